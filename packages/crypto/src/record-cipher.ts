import { randomBytes } from './random.js';

/**
 * Encryption of stored records (the client's data at rest) with AES-256-GCM and WebCrypto only,
 * so the same code runs in browsers and Node.
 *
 * Record format (version 1):
 *
 *     version (1 byte) || nonce (12 bytes, random) || ciphertext || tag (16 bytes)
 *
 * GCM authenticates `version || associatedData`, so neither the version byte nor the context the
 * caller binds the record to (see {@link recordAssociatedData}) can be changed unnoticed.
 * Random 96-bit nonces are safe for up to 2^32 records per key (NIST SP 800-38D, 8.3); a local
 * store stays far below that.
 */

export const RECORD_CIPHER_VERSION = 1;
export const STORAGE_KEY_BYTES = 32;
export const RECORD_NONCE_BYTES = 12;
export const RECORD_TAG_BYTES = 16;
const RECORD_HEADER_BYTES = 1 + RECORD_NONCE_BYTES;
/** What a record adds to its plaintext: version, nonce and tag. */
export const RECORD_OVERHEAD_BYTES = RECORD_HEADER_BYTES + RECORD_TAG_BYTES;

/* Named through globalThis so this compiles with the DOM lib and with Node's types alike. */
type Subtle = typeof globalThis.crypto.subtle;
/** A non-extractable AES-256-GCM key from {@link importStorageKey}. */
export type StorageKey = Awaited<ReturnType<Subtle['importKey']>>;

const RECORD_CIPHER_ALGORITHM = 'AES-GCM';
const STORAGE_KEY_BITS = STORAGE_KEY_BYTES * 8;
const RECORD_TAG_BITS = RECORD_TAG_BYTES * 8;

/** Domain label of the associated data of a local store record; one purpose only. */
export const RECORD_ASSOCIATED_DATA_LABEL = 'amtsbote/local-store/record/v1';

export const RECORD_CIPHER_ERROR_CODES = [
  /** The key is not 32 bytes, or not an AES-256-GCM key. */
  'invalid_key',
  /** Shorter than version, nonce and tag. */
  'record_truncated',
  'unsupported_version',
  /** Wrong key, wrong associated data, or any changed byte of nonce, ciphertext or tag. */
  'authentication_failed',
  /** A store name or record key that is not well-formed Unicode (a lone surrogate). */
  'invalid_context',
] as const;
export type RecordCipherErrorCode = (typeof RECORD_CIPHER_ERROR_CODES)[number];

export class RecordCipherError extends Error {
  readonly code: RecordCipherErrorCode;

  constructor(code: RecordCipherErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RecordCipherError';
    this.code = code;
  }
}

/** WebCrypto takes only views of an ArrayBuffer; copies a view of a SharedArrayBuffer. */
function ownBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer
    ? (bytes as Uint8Array<ArrayBuffer>)
    : new Uint8Array(bytes);
}

/** A fresh random storage key; import it with {@link importStorageKey}, then wipe it. */
export function generateStorageKeyBytes(): Uint8Array<ArrayBuffer> {
  return randomBytes(STORAGE_KEY_BYTES);
}

/** Imports a raw 256-bit storage key as a non-extractable AES-GCM key. */
export async function importStorageKey(raw: Uint8Array): Promise<StorageKey> {
  if (raw.length !== STORAGE_KEY_BYTES) {
    throw new RecordCipherError(
      'invalid_key',
      `a storage key has ${STORAGE_KEY_BYTES} bytes, not ${raw.length}`,
    );
  }
  return globalThis.crypto.subtle.importKey(
    'raw',
    ownBuffer(raw),
    { name: RECORD_CIPHER_ALGORITHM, length: STORAGE_KEY_BITS },
    false,
    ['encrypt', 'decrypt'],
  );
}

function assertStorageKey(key: StorageKey): void {
  const algorithm = key.algorithm as { readonly name: string; readonly length?: number };
  if (algorithm.name !== RECORD_CIPHER_ALGORITHM || algorithm.length !== STORAGE_KEY_BITS) {
    throw new RecordCipherError('invalid_key', 'the key is not an AES-256-GCM storage key');
  }
}

function gcmAdditionalData(version: number, associatedData: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(1 + associatedData.length);
  out[0] = version;
  out.set(associatedData, 1);
  return out;
}

export async function encryptRecord(
  key: StorageKey,
  plaintext: Uint8Array,
  associatedData: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  assertStorageKey(key);
  const nonce = randomBytes(RECORD_NONCE_BYTES);
  const sealed = await globalThis.crypto.subtle.encrypt(
    {
      name: RECORD_CIPHER_ALGORITHM,
      iv: nonce,
      additionalData: gcmAdditionalData(RECORD_CIPHER_VERSION, associatedData),
      tagLength: RECORD_TAG_BITS,
    },
    key,
    ownBuffer(plaintext),
  );
  const record = new Uint8Array(RECORD_HEADER_BYTES + sealed.byteLength);
  record[0] = RECORD_CIPHER_VERSION;
  record.set(nonce, 1);
  record.set(new Uint8Array(sealed), RECORD_HEADER_BYTES);
  return record;
}

/** Opens a record sealed by {@link encryptRecord}; throws a RecordCipherError on any mismatch. */
export async function decryptRecord(
  key: StorageKey,
  record: Uint8Array,
  associatedData: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  assertStorageKey(key);
  if (record.length < RECORD_OVERHEAD_BYTES) {
    throw new RecordCipherError(
      'record_truncated',
      `a record has at least ${RECORD_OVERHEAD_BYTES} bytes, not ${record.length}`,
    );
  }
  const version = record[0];
  if (version !== RECORD_CIPHER_VERSION) {
    throw new RecordCipherError('unsupported_version', `record version ${version} is not known`);
  }
  const nonce = record.slice(1, RECORD_HEADER_BYTES);
  const sealed = record.slice(RECORD_HEADER_BYTES);
  try {
    const plaintext = await globalThis.crypto.subtle.decrypt(
      {
        name: RECORD_CIPHER_ALGORITHM,
        iv: nonce,
        additionalData: gcmAdditionalData(version, associatedData),
        tagLength: RECORD_TAG_BITS,
      },
      key,
      sealed,
    );
    return new Uint8Array(plaintext);
  } catch (error) {
    throw new RecordCipherError(
      'authentication_failed',
      'the record does not authenticate (wrong key, wrong context or changed bytes)',
      { cause: error },
    );
  }
}

const LONE_SURROGATE = /\p{Surrogate}/u;

function writeLengthPrefixed(
  out: Uint8Array,
  view: DataView,
  at: number,
  part: Uint8Array,
): number {
  view.setUint32(at, part.length);
  out.set(part, at + 4);
  return at + 4 + part.length;
}

/**
 * The associated data that binds a record to where it is stored: the label, the store (or
 * collection) name and the record's key, each length-prefixed so no two pairs encode alike.
 * A record copied to another key or store then no longer decrypts.
 */
export function recordAssociatedData(
  storeName: string,
  recordKey: string,
): Uint8Array<ArrayBuffer> {
  // UTF-8 would turn every lone surrogate into U+FFFD, so two different keys could bind alike.
  if (LONE_SURROGATE.test(storeName) || LONE_SURROGATE.test(recordKey)) {
    throw new RecordCipherError(
      'invalid_context',
      'store name and key must be well-formed Unicode',
    );
  }
  const encoder = new TextEncoder();
  const parts = [
    encoder.encode(RECORD_ASSOCIATED_DATA_LABEL),
    encoder.encode(storeName),
    encoder.encode(recordKey),
  ];
  const out = new Uint8Array(parts.reduce((sum, part) => sum + 4 + part.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const part of parts) at = writeLengthPrefixed(out, view, at, part);
  return out;
}
