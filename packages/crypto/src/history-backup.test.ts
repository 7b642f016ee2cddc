import { createDecipheriv, hkdfSync, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  HISTORY_BACKUP_KEY_LABEL,
  HISTORY_BLOCK_AAD_LABEL,
  HistoryBackupError,
  deriveHistoryConversationKey,
  historyBlockAssociatedData,
  openHistoryBlock,
  sealHistoryBlock,
  type HistoryBackupErrorCode,
  type HistoryBlockPosition,
} from './history-backup.js';
import { HISTORY_KEY_BYTES } from './account/user-secrets.js';
import { randomBytes } from './random.js';
import { RECORD_CIPHER_VERSION, RECORD_NONCE_BYTES, RECORD_TAG_BYTES } from './record-cipher.js';

const plaintext = new TextEncoder().encode('{"messages":[{"text":"Bescheid genehmigt"}]}');

async function rejection(promise: Promise<unknown>): Promise<HistoryBackupErrorCode> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HistoryBackupError);
    return (error as HistoryBackupError).code;
  }
  throw new Error('expected a HistoryBackupError, but the call succeeded');
}

function position(overrides: Partial<HistoryBlockPosition> = {}): HistoryBlockPosition {
  return { userId: randomUUID(), conversationId: randomUUID(), block: 3, ...overrides };
}

const uuidBytes = (uuid: string): Buffer => Buffer.from(uuid.replaceAll('-', ''), 'hex');

describe('history backup sealing', () => {
  it('opens a block sealed for the same position with a key derived again', async () => {
    const historyKey = randomBytes(HISTORY_KEY_BYTES);
    const at = position();
    const sealed = await sealHistoryBlock(
      await deriveHistoryConversationKey(historyKey, at.conversationId),
      at,
      plaintext,
    );
    const key = await deriveHistoryConversationKey(historyKey, at.conversationId);
    expect(await openHistoryBlock(key, at, sealed)).toEqual(plaintext);
  });

  it('matches HKDF-SHA-256 and AES-256-GCM as an independent implementation computes them', async () => {
    const historyKey = randomBytes(HISTORY_KEY_BYTES);
    const at = position({ block: 2 ** 40 + 7 });
    const sealed = await sealHistoryBlock(
      await deriveHistoryConversationKey(historyKey, at.conversationId),
      at,
      plaintext,
    );
    const info = Buffer.concat([
      Buffer.from(HISTORY_BACKUP_KEY_LABEL),
      uuidBytes(at.conversationId),
    ]);
    const rawKey = Buffer.from(hkdfSync('sha256', historyKey, Buffer.alloc(0), info, 32));
    const blockNumber = Buffer.alloc(8);
    blockNumber.writeBigUInt64BE(BigInt(at.block));
    const aad = Buffer.concat([
      Buffer.from([RECORD_CIPHER_VERSION]),
      Buffer.from(HISTORY_BLOCK_AAD_LABEL),
      uuidBytes(at.userId),
      uuidBytes(at.conversationId),
      blockNumber,
    ]);
    expect(sealed[0]).toBe(RECORD_CIPHER_VERSION);
    const nonce = sealed.subarray(1, 1 + RECORD_NONCE_BYTES);
    const body = sealed.subarray(1 + RECORD_NONCE_BYTES, sealed.length - RECORD_TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', rawKey, nonce);
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - RECORD_TAG_BYTES));
    const opened = Buffer.concat([decipher.update(body), decipher.final()]);
    expect(new Uint8Array(opened)).toEqual(plaintext);
  });

  it('refuses a block moved to another user, conversation or position', async () => {
    const historyKey = randomBytes(HISTORY_KEY_BYTES);
    const at = position();
    const key = await deriveHistoryConversationKey(historyKey, at.conversationId);
    const sealed = await sealHistoryBlock(key, at, plaintext);
    expect(await rejection(openHistoryBlock(key, { ...at, userId: randomUUID() }, sealed))).toBe(
      'block_unreadable',
    );
    expect(await rejection(openHistoryBlock(key, { ...at, block: at.block + 1 }, sealed))).toBe(
      'block_unreadable',
    );
    const otherConversation = randomUUID();
    const otherKey = await deriveHistoryConversationKey(historyKey, otherConversation);
    expect(
      await rejection(
        openHistoryBlock(otherKey, { ...at, conversationId: otherConversation }, sealed),
      ),
    ).toBe('block_unreadable');
    // The right AAD under another conversation's key: the key alone keeps them apart.
    expect(await rejection(openHistoryBlock(otherKey, at, sealed))).toBe('block_unreadable');
  });

  it('refuses a block with any byte changed, and one sealed under another history key', async () => {
    const at = position();
    const key = await deriveHistoryConversationKey(
      randomBytes(HISTORY_KEY_BYTES),
      at.conversationId,
    );
    const sealed = await sealHistoryBlock(key, at, plaintext);
    for (const index of [0, 1, 20, sealed.length - 1]) {
      const changed = sealed.slice();
      changed[index] = (changed[index] ?? 0) ^ 1;
      expect(await rejection(openHistoryBlock(key, at, changed))).toBe('block_unreadable');
    }
    expect(await rejection(openHistoryBlock(key, at, sealed.subarray(0, 10)))).toBe(
      'block_unreadable',
    );
    const stranger = await deriveHistoryConversationKey(
      randomBytes(HISTORY_KEY_BYTES),
      at.conversationId,
    );
    expect(await rejection(openHistoryBlock(stranger, at, sealed))).toBe('block_unreadable');
  });

  it('draws a fresh nonce for every seal, and the plaintext appears nowhere', async () => {
    const at = position();
    const key = await deriveHistoryConversationKey(
      randomBytes(HISTORY_KEY_BYTES),
      at.conversationId,
    );
    const first = await sealHistoryBlock(key, at, plaintext);
    const second = await sealHistoryBlock(key, at, plaintext);
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(false);
    expect(Buffer.from(first).includes(Buffer.from('Bescheid'))).toBe(false);
  });

  it('refuses a history key of the wrong length and a malformed position', async () => {
    expect(await rejection(deriveHistoryConversationKey(randomBytes(16), randomUUID()))).toBe(
      'invalid_key',
    );
    expect(
      await rejection(deriveHistoryConversationKey(randomBytes(HISTORY_KEY_BYTES), 'c-1')),
    ).toBe('invalid_context');
    for (const bad of [{ block: -1 }, { block: 1.5 }, { userId: 'someone' }]) {
      expect(() => historyBlockAssociatedData(position(bad))).toThrow(HistoryBackupError);
    }
  });
});
