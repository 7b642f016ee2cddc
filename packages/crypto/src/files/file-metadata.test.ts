import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateFileKey } from './file-key.js';
import {
  MAX_FILE_NAME_CHARACTERS,
  UNKNOWN_FILE_TYPE,
  type FileMetadata,
} from './file-metadata-fields.js';
import {
  FILE_METADATA_VERSION,
  MAX_SEALED_FILE_METADATA_BYTES,
  openFileMetadata,
  sealFileMetadata,
} from './file-metadata.js';
import { concatBytes, rejectionCode } from './test-fixtures.js';

const pdf: FileMetadata = {
  name: 'Bescheid Müller 2026.pdf',
  type: 'application/pdf',
  size: 48_213,
};

/* The documented record format, written independently with node:crypto. */
function referenceKeys(
  fileKey: Uint8Array,
  nonce: Uint8Array,
): { key: Buffer; commitment: Buffer } {
  return {
    key: Buffer.from(
      hkdfSync('sha256', fileKey, new Uint8Array(0), 'amtsbote file v1 metadata', 32),
    ),
    commitment: Buffer.from(
      hkdfSync('sha256', fileKey, nonce, 'amtsbote file v1 metadata key commitment', 32),
    ),
  };
}

function referenceSeal(fileKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const nonce = randomBytes(12);
  const { key, commitment } = referenceKeys(fileKey, nonce);
  const recordHeader = concatBytes([Uint8Array.of(1), nonce, commitment]);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(recordHeader);
  return concatBytes([recordHeader, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function referenceOpen(fileKey: Uint8Array, record: Uint8Array): Buffer {
  const nonce = record.subarray(1, 13);
  const { key, commitment } = referenceKeys(fileKey, nonce);
  expect(Buffer.from(record.subarray(13, 45)).equals(commitment)).toBe(true);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(record.subarray(0, 45));
  decipher.setAuthTag(record.subarray(record.length - 16));
  return Buffer.concat([
    decipher.update(record.subarray(45, record.length - 16)),
    decipher.final(),
  ]);
}

function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const copy = bytes.slice();
  copy[at] = (copy[at] ?? 0) ^ 0x80;
  return copy;
}

describe('file metadata', () => {
  it('round-trips name, type and size', async () => {
    const key = generateFileKey();
    for (const metadata of [
      pdf,
      { name: 'a', type: UNKNOWN_FILE_TYPE, size: 0 },
      { name: '📎 Anlage "final" (2).tar.gz', type: 'text/plain; charset="utf-8"', size: 2 ** 40 },
      { name: 'ß'.repeat(MAX_FILE_NAME_CHARACTERS), type: 'image/svg+xml', size: 1 },
      { name: '😀'.repeat(MAX_FILE_NAME_CHARACTERS), type: 'text/plain;charset=utf-8', size: 1 },
    ]) {
      const sealed = await sealFileMetadata(key, metadata);
      expect(sealed.length).toBeLessThanOrEqual(MAX_SEALED_FILE_METADATA_BYTES);
      expect(await openFileMetadata(key, sealed)).toEqual(metadata);
    }
  });

  it('writes the documented record: version, nonce, commitment, padded JSON', async () => {
    const key = generateFileKey();
    const sealed = await sealFileMetadata(key, pdf);
    expect(sealed[0]).toBe(FILE_METADATA_VERSION);
    const json = referenceOpen(key, sealed);
    expect(json.length % 128).toBe(0);
    expect(JSON.parse(json.toString('utf8'))).toEqual(pdf);
    expect(
      await openFileMetadata(
        key,
        referenceSeal(key, new TextEncoder().encode(JSON.stringify(pdf))),
      ),
    ).toEqual(pdf);
  });

  it('hides the name, and its length up to 128-byte steps', async () => {
    const key = generateFileKey();
    const short = await sealFileMetadata(key, { ...pdf, name: 'a.pdf' });
    const longer = await sealFileMetadata(key, { ...pdf, name: 'Widerspruchsbescheid.pdf' });
    expect(short.length).toBe(longer.length);
    expect(Buffer.from(longer).includes(Buffer.from('Widerspruch'))).toBe(false);
  });

  it('draws a fresh nonce for every record', async () => {
    const key = generateFileKey();
    expect(await sealFileMetadata(key, pdf)).not.toEqual(await sealFileMetadata(key, pdf));
  });

  it('reports wrong_key, tampered, truncated and unsupported_format', async () => {
    const key = generateFileKey();
    const sealed = await sealFileMetadata(key, pdf);
    const cases: [Uint8Array, string][] = [
      [flipped(sealed, 5), 'wrong_key'], // the nonce salts the commitment
      [flipped(sealed, 30), 'wrong_key'],
      [flipped(sealed, 50), 'tampered'],
      [flipped(sealed, sealed.length - 1), 'tampered'],
      [sealed.subarray(0, 70), 'tampered'],
      [sealed.subarray(0, 60), 'truncated'],
      [new Uint8Array(0), 'truncated'],
      [concatBytes([Uint8Array.of(2), sealed.subarray(1)]), 'unsupported_format'],
      [new Uint8Array(MAX_SEALED_FILE_METADATA_BYTES + 1).fill(1), 'invalid_input'],
    ];
    for (const [bytes, code] of cases) {
      expect(await rejectionCode(openFileMetadata(key, bytes))).toBe(code);
    }
    expect(await rejectionCode(openFileMetadata(generateFileKey(), sealed))).toBe('wrong_key');
  });

  it('refuses to seal bad fields, naming them', async () => {
    const key = generateFileKey();
    const bad: unknown[] = [
      { ...pdf, name: '' },
      { ...pdf, name: '../etc/passwd' },
      { ...pdf, name: 'a\\b.pdf' },
      { ...pdf, name: '..' },
      { ...pdf, name: 'line\nbreak.pdf' },
      { ...pdf, name: 'rechnung\u202efdp.exe' },
      { ...pdf, name: 'x'.repeat(MAX_FILE_NAME_CHARACTERS + 1) },
      { ...pdf, name: 'lone \ud800 surrogate' },
      { ...pdf, type: 'pdf' },
      { ...pdf, type: '' },
      { ...pdf, type: 'text/plain; charset' },
      { ...pdf, type: `text/${'x'.repeat(300)}` },
      { ...pdf, size: -1 },
      { ...pdf, size: 1.5 },
      { ...pdf, size: Number.NaN },
      { name: pdf.name, type: pdf.type },
      null,
    ];
    for (const metadata of bad) {
      expect(await rejectionCode(sealFileMetadata(key, metadata as FileMetadata))).toBe(
        'invalid_input',
      );
    }
    await expect(sealFileMetadata(key, { name: '', type: 'pdf', size: -1 })).rejects.toThrow(
      /name: empty; type: .*; size: /,
    );
  });

  it('reports invalid_metadata for a record that opens but holds bad content', async () => {
    const key = generateFileKey();
    const encoder = new TextEncoder();
    for (const plaintext of [
      encoder.encode('not json'),
      encoder.encode('[1,2]'),
      encoder.encode(JSON.stringify({ ...pdf, name: 'a/b' })),
      encoder.encode(JSON.stringify({ ...pdf, size: '12' })),
      Uint8Array.of(0x7b, 0xff, 0x7d), // not UTF-8
      new Uint8Array(0),
    ]) {
      expect(await rejectionCode(openFileMetadata(key, referenceSeal(key, plaintext)))).toBe(
        'invalid_metadata',
      );
    }
  });

  it('ignores fields it does not know, so later versions can add some', async () => {
    const key = generateFileKey();
    const plaintext = new TextEncoder().encode(JSON.stringify({ ...pdf, lastModified: 1 }));
    expect(await openFileMetadata(key, referenceSeal(key, plaintext))).toEqual(pdf);
  });

  it('rejects a key that is not 32 bytes', async () => {
    expect(await rejectionCode(sealFileMetadata(new Uint8Array(16), pdf))).toBe('invalid_input');
  });
});
