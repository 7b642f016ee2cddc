import { createCipheriv, createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  RECORD_CIPHER_VERSION,
  RECORD_NONCE_BYTES,
  RECORD_OVERHEAD_BYTES,
  RECORD_TAG_BYTES,
  RecordCipherError,
  STORAGE_KEY_BYTES,
  decryptRecord,
  encryptRecord,
  generateStorageKeyBytes,
  importStorageKey,
  recordAssociatedData,
  type RecordCipherErrorCode,
  type StorageKey,
} from './record-cipher.js';

const encoder = new TextEncoder();
const plaintext = encoder.encode('Bescheid vom 3. März: Antrag genehmigt');
const context = recordAssociatedData('messages', 'conversation-1/42');

async function rejection(promise: Promise<unknown>): Promise<RecordCipherErrorCode> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(RecordCipherError);
    return (error as RecordCipherError).code;
  }
  throw new Error('expected a RecordCipherError, but the call succeeded');
}

async function freshKey(): Promise<{ raw: Uint8Array; key: StorageKey }> {
  const raw = generateStorageKeyBytes();
  return { raw, key: await importStorageKey(raw) };
}

describe('record cipher', () => {
  it('round-trips a record with its associated data', async () => {
    const { key } = await freshKey();
    const record = await encryptRecord(key, plaintext, context);
    expect(await decryptRecord(key, record, context)).toEqual(plaintext);
  });

  it('round-trips an empty plaintext', async () => {
    const { key } = await freshKey();
    const record = await encryptRecord(key, new Uint8Array(0), context);
    expect(record).toHaveLength(RECORD_OVERHEAD_BYTES);
    expect(await decryptRecord(key, record, context)).toEqual(new Uint8Array(0));
  });

  it('writes version, nonce, ciphertext and tag, and the plaintext appears nowhere', async () => {
    const { key } = await freshKey();
    const record = await encryptRecord(key, plaintext, context);
    expect(record).toHaveLength(1 + RECORD_NONCE_BYTES + plaintext.length + RECORD_TAG_BYTES);
    expect(record[0]).toBe(RECORD_CIPHER_VERSION);
    expect(Buffer.from(record).includes(Buffer.from(plaintext.subarray(0, 8)))).toBe(false);
  });

  it('draws a fresh nonce for every record', async () => {
    const { key } = await freshKey();
    const nonces = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const record = await encryptRecord(key, plaintext, context);
      nonces.add(Buffer.from(record.subarray(1, 1 + RECORD_NONCE_BYTES)).toString('hex'));
    }
    expect(nonces.size).toBe(200);
  });

  it('matches an independent AES-256-GCM implementation in both directions', async () => {
    const { raw, key } = await freshKey();
    const aad = Buffer.concat([Buffer.from([RECORD_CIPHER_VERSION]), context]);

    const ours = await encryptRecord(key, plaintext, context);
    const decipher = createDecipheriv('aes-256-gcm', raw, ours.subarray(1, 13));
    decipher.setAAD(aad);
    decipher.setAuthTag(ours.subarray(ours.length - RECORD_TAG_BYTES));
    const opened = Buffer.concat([
      decipher.update(ours.subarray(13, ours.length - RECORD_TAG_BYTES)),
      decipher.final(),
    ]);
    expect(new Uint8Array(opened)).toEqual(plaintext);

    const nonce = generateStorageKeyBytes().subarray(0, RECORD_NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', raw, nonce);
    cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const theirs = Buffer.concat([
      Buffer.from([RECORD_CIPHER_VERSION]),
      nonce,
      body,
      cipher.getAuthTag(),
    ]);
    expect(await decryptRecord(key, theirs, context)).toEqual(plaintext);
  });
});

describe('record cipher tampering', () => {
  const tagStart = (record: Uint8Array): number => record.length - RECORD_TAG_BYTES;
  const regions: { name: string; offsets: (record: Uint8Array) => number[] }[] = [
    { name: 'nonce', offsets: () => [1, 6, RECORD_NONCE_BYTES] },
    {
      name: 'ciphertext',
      offsets: (record) => [1 + RECORD_NONCE_BYTES, 20, tagStart(record) - 1],
    },
    { name: 'tag', offsets: (record) => [tagStart(record), record.length - 1] },
  ];

  for (const region of regions) {
    it(`refuses a record with a flipped bit in the ${region.name}`, async () => {
      const { key } = await freshKey();
      const record = await encryptRecord(key, plaintext, context);
      for (const offset of region.offsets(record)) {
        for (const bit of [0x01, 0x80]) {
          const tampered = record.slice();
          tampered[offset] = (tampered[offset] ?? 0) ^ bit;
          expect(await rejection(decryptRecord(key, tampered, context))).toBe(
            'authentication_failed',
          );
        }
      }
      expect(await decryptRecord(key, record, context)).toEqual(plaintext);
    });
  }

  it('refuses a record whose version byte was changed', async () => {
    const { key } = await freshKey();
    const record = await encryptRecord(key, plaintext, context);
    for (const version of [0, 2, 0x81, 0xff]) {
      const tampered = record.slice();
      tampered[0] = version;
      expect(await rejection(decryptRecord(key, tampered, context))).toBe('unsupported_version');
    }
  });

  it('refuses a record under another key', async () => {
    const { key } = await freshKey();
    const { key: otherKey } = await freshKey();
    const record = await encryptRecord(key, plaintext, context);
    expect(await rejection(decryptRecord(otherKey, record, context))).toBe('authentication_failed');
  });

  it('refuses a record moved to another key or collection', async () => {
    const { key } = await freshKey();
    const record = await encryptRecord(key, plaintext, recordAssociatedData('groups', 'a'));
    for (const [store, recordKey] of [
      ['groups', 'b'],
      ['pins', 'a'],
      ['groupsa', ''],
      ['', 'groupsa'],
    ] as const) {
      expect(
        await rejection(decryptRecord(key, record, recordAssociatedData(store, recordKey))),
      ).toBe('authentication_failed');
    }
  });

  it('refuses a record truncated at any length', async () => {
    const { key } = await freshKey();
    const record = await encryptRecord(key, plaintext, context);
    for (let length = 0; length < record.length; length++) {
      const code = await rejection(decryptRecord(key, record.subarray(0, length), context));
      expect(code).toBe(
        length < RECORD_OVERHEAD_BYTES ? 'record_truncated' : 'authentication_failed',
      );
    }
  });

  it('refuses a record with bytes appended', async () => {
    const { key } = await freshKey();
    const record = await encryptRecord(key, plaintext, context);
    for (const extra of [[0], [1, 2, 3], Array.from({ length: 16 }, () => 0)]) {
      const extended = new Uint8Array([...record, ...extra]);
      expect(await rejection(decryptRecord(key, extended, context))).toBe('authentication_failed');
    }
  });
});

describe('storage keys', () => {
  it('generates 256-bit keys that differ each time', () => {
    expect(STORAGE_KEY_BYTES).toBe(32);
    expect(generateStorageKeyBytes()).toHaveLength(32);
    expect(generateStorageKeyBytes()).not.toEqual(generateStorageKeyBytes());
  });

  it('imports a key that cannot be exported', async () => {
    const { key } = await freshKey();
    expect(key.extractable).toBe(false);
    await expect(globalThis.crypto.subtle.exportKey('raw', key)).rejects.toThrow();
  });

  it('refuses raw keys of any other length', async () => {
    for (const length of [0, 16, 24, 31, 33, 64]) {
      expect(await rejection(importStorageKey(new Uint8Array(length)))).toBe('invalid_key');
    }
  });

  it('refuses to encrypt or decrypt with a key that is not AES-256-GCM', async () => {
    const aes128 = await globalThis.crypto.subtle.generateKey(
      { name: 'AES-GCM', length: 128 },
      false,
      ['encrypt', 'decrypt'],
    );
    expect(await rejection(encryptRecord(aes128, plaintext, context))).toBe('invalid_key');
    const { key } = await freshKey();
    const record = await encryptRecord(key, plaintext, context);
    expect(await rejection(decryptRecord(aes128, record, context))).toBe('invalid_key');
  });
});

describe('recordAssociatedData', () => {
  it('encodes different store and key pairs differently, even when they concatenate alike', () => {
    const pairs = [
      ['ab', 'c'],
      ['a', 'bc'],
      ['abc', ''],
      ['', 'abc'],
    ] as const;
    const encoded = new Set(
      pairs.map(([s, k]) => Buffer.from(recordAssociatedData(s, k)).toString('hex')),
    );
    expect(encoded.size).toBe(pairs.length);
  });

  it('refuses store names and keys that are not well-formed Unicode', () => {
    expect(() => recordAssociatedData('messages', 'a\uD800')).toThrow(RecordCipherError);
    expect(() => recordAssociatedData('\uDC00', 'a')).toThrow(RecordCipherError);
    expect(recordAssociatedData('messages', '\u{1F600}')).toBeInstanceOf(Uint8Array);
  });
});
