import { HISTORY_KEY_BYTES } from './account/user-secrets.js';
import { uuidToBytes } from './mls/uuid.js';
import {
  RecordCipherError,
  STORAGE_KEY_BYTES,
  decryptRecord,
  encryptRecord,
  type StorageKey,
} from './record-cipher.js';

/**
 * Sealing of the per-user history backup: blocks of a conversation's decrypted history that the
 * user's devices store on the server, so that a device joining later can read what came before
 * it. The history key (32 random bytes) is made by the user's first device and travels only
 * between the user's devices; the server sees sealed blocks.
 *
 *     key  = HKDF-SHA-256(ikm = history key, salt = none, info = label || conversation id (16 bytes))
 *     AAD  = AAD label || user id (16 bytes) || conversation id (16 bytes) || block (u64, big endian)
 *     block = record format of record-cipher.ts (version || nonce || AES-256-GCM ciphertext || tag)
 *
 * One key per conversation keeps the blocks of different conversations apart even if the AAD
 * were wrong; the AAD binds each block to its owner and position, so the server cannot move a
 * block to another user, conversation or position unnoticed. It can still withhold a block or
 * return an older version of the same block (rollback): that loses history, it does not forge it.
 */

/** HKDF info prefix of the per-conversation block key; one purpose only. */
export const HISTORY_BACKUP_KEY_LABEL = 'amtsbote history backup v1';
/** Domain label of the associated data of a sealed block. */
export const HISTORY_BLOCK_AAD_LABEL = 'amtsbote/history-backup/block/v1';

export const HISTORY_BACKUP_ERROR_CODES = [
  /** The history key is not 32 bytes. */
  'invalid_key',
  /** The user id or conversation id is not a canonical UUID, or the block number is invalid. */
  'invalid_context',
  /** Wrong key, another owner or position, or changed bytes: nothing of it may be used. */
  'block_unreadable',
] as const;
export type HistoryBackupErrorCode = (typeof HISTORY_BACKUP_ERROR_CODES)[number];

export class HistoryBackupError extends Error {
  readonly code: HistoryBackupErrorCode;

  constructor(code: HistoryBackupErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HistoryBackupError';
    this.code = code;
  }
}

/** Where a block belongs: whose backup, which conversation, which window of its seqs. */
export interface HistoryBlockPosition {
  readonly userId: string;
  readonly conversationId: string;
  readonly block: number;
}

/** The AES-256-GCM key of one conversation's blocks, non-extractable. */
export type HistoryConversationKey = StorageKey;

function uuidBytes(text: string, what: string): Uint8Array<ArrayBuffer> {
  const bytes = uuidToBytes(text);
  if (bytes === null) throw new HistoryBackupError('invalid_context', `${what} is not a UUID`);
  return bytes;
}

/** Derives the key that seals the blocks of one conversation from the user's history key. */
export async function deriveHistoryConversationKey(
  historyKey: Uint8Array,
  conversationId: string,
): Promise<HistoryConversationKey> {
  if (historyKey.length !== HISTORY_KEY_BYTES) {
    throw new HistoryBackupError(
      'invalid_key',
      `a history key has ${HISTORY_KEY_BYTES} bytes, not ${historyKey.length}`,
    );
  }
  const label = new TextEncoder().encode(HISTORY_BACKUP_KEY_LABEL);
  const info = new Uint8Array(label.length + 16);
  info.set(label);
  info.set(uuidBytes(conversationId, 'the conversation id'), label.length);
  const subtle = globalThis.crypto.subtle;
  const ikm = await subtle.importKey('raw', new Uint8Array(historyKey), 'HKDF', false, [
    'deriveKey',
  ]);
  return subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info },
    ikm,
    { name: 'AES-GCM', length: STORAGE_KEY_BYTES * 8 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/** The associated data of a block: label, user, conversation and block number. */
export function historyBlockAssociatedData(
  position: HistoryBlockPosition,
): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(position.block) || position.block < 0) {
    throw new HistoryBackupError('invalid_context', 'a block number is a non-negative integer');
  }
  const label = new TextEncoder().encode(HISTORY_BLOCK_AAD_LABEL);
  const out = new Uint8Array(label.length + 16 + 16 + 8);
  out.set(label);
  out.set(uuidBytes(position.userId, 'the user id'), label.length);
  out.set(uuidBytes(position.conversationId, 'the conversation id'), label.length + 16);
  new DataView(out.buffer).setBigUint64(label.length + 32, BigInt(position.block));
  return out;
}

/** Seals a block's plaintext for its position; a fresh random nonce every time. */
export async function sealHistoryBlock(
  key: HistoryConversationKey,
  position: HistoryBlockPosition,
  plaintext: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  return encryptRecord(key, plaintext, historyBlockAssociatedData(position));
}

/** Opens a sealed block; throws block_unreadable unless it was sealed for exactly this position. */
export async function openHistoryBlock(
  key: HistoryConversationKey,
  position: HistoryBlockPosition,
  sealed: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  const associatedData = historyBlockAssociatedData(position);
  try {
    return await decryptRecord(key, sealed, associatedData);
  } catch (error) {
    if (error instanceof RecordCipherError) {
      throw new HistoryBackupError('block_unreadable', `the block does not open (${error.code})`, {
        cause: error,
      });
    }
    throw error;
  }
}
