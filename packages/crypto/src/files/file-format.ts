import { FileCryptoError } from './file-crypto-error.js';

/**
 * The encrypted file format, version 1: a STREAM construction (Hoang, Reyhanitabar, Rogaway,
 * Vizár 2015, as in age and Tink) over AES-256-GCM, with a key commitment in the header.
 * docs/file-encryption.md explains the choices; this is the normative layout.
 *
 *     file   = header || chunk_0 || … || chunk_n
 *     header = magic "AMBF" (4 bytes: 41 4d 42 46)
 *           || version (1 byte) = 1
 *           || chunk size S (u32, big endian; 16 KiB ≤ S ≤ 4 MiB)
 *           || salt (32 bytes, random per file)
 *           || key commitment (32 bytes)                                   = 73 bytes
 *
 *     key commitment = HKDF-SHA-256(ikm = file key, salt, info = "amtsbote file v1 key commitment", 32)
 *     payload key    = HKDF-SHA-256(ikm = file key, salt, info = "amtsbote file v1 payload", 32)
 *
 *     chunk_i = AES-256-GCM(payload key, nonce_i, AAD = header, plaintext_i) || tag (16 bytes)
 *     nonce_i = 00 00 00 00 00 00 00 || i (u32, big endian) || final (1 byte: 01 for chunk_n, else 00)
 *
 * Every chunk but the last carries exactly S plaintext bytes; the last carries 1 to S bytes, or
 * 0 bytes when the whole file is empty (then it is the only chunk). A decryptor therefore knows
 * each chunk's boundaries, and the index and final flag in the nonce make any reordering,
 * duplication, truncation or extension fail authentication. The nonce prefix can be zero: the
 * payload key is new for every (file key, salt), and under it each (index, final) occurs once.
 * The key commitment lets a decryptor report a wrong key before any chunk, and it binds the
 * ciphertext to one file key (GCM alone does not: "invisible salamanders").
 */

export const FILE_FORMAT_VERSION = 1;
/** "AMBF": Amtsbote file. */
export const FILE_MAGIC: readonly number[] = [0x41, 0x4d, 0x42, 0x46];
export const FILE_KEY_BYTES = 32;
export const FILE_SALT_BYTES = 32;
export const FILE_KEY_COMMITMENT_BYTES = 32;
export const FILE_HEADER_BYTES =
  FILE_MAGIC.length + 1 + 4 + FILE_SALT_BYTES + FILE_KEY_COMMITMENT_BYTES;
export const FILE_TAG_BYTES = 16;
export const FILE_NONCE_BYTES = 12;

export const MIN_FILE_CHUNK_BYTES = 16 * 1024;
export const MAX_FILE_CHUNK_BYTES = 4 * 1024 * 1024;
/**
 * 256 KiB: measured with WebCrypto in Node 20 (docs/file-encryption.md), each call costs a trip
 * to the thread pool, so 64 KiB chunks spend a large share on overhead; beyond 256 KiB the gain
 * is small while a ranged download fetches more than it needs.
 */
export const DEFAULT_FILE_CHUNK_BYTES = 256 * 1024;
/** The chunk index is a u32 in the nonce. */
export const MAX_FILE_CHUNKS = 2 ** 32;

/** Where a chunk's ciphertext lies in the encrypted file, in bytes; `end` is exclusive. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

function invalid(message: string): FileCryptoError {
  return new FileCryptoError('invalid_input', message);
}

export function isValidChunkBytes(chunkBytes: number): boolean {
  return (
    Number.isInteger(chunkBytes) &&
    chunkBytes >= MIN_FILE_CHUNK_BYTES &&
    chunkBytes <= MAX_FILE_CHUNK_BYTES
  );
}

export function assertChunkBytes(chunkBytes: number): void {
  if (!isValidChunkBytes(chunkBytes)) {
    throw invalid(
      `a chunk size is an integer from ${MIN_FILE_CHUNK_BYTES} to ${MAX_FILE_CHUNK_BYTES} bytes, not ${chunkBytes}`,
    );
  }
}

function assertByteCount(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${what} must be a non-negative safe integer, not ${value}`);
  }
}

/** The number of chunks a file of `plaintextBytes` has: at least one (the empty file's). */
export function chunkCount(plaintextBytes: number, chunkBytes: number): number {
  return Math.max(1, Math.ceil(plaintextBytes / chunkBytes));
}

/** The nonce of chunk `index`; see the format above. */
export function chunkNonce(index: number, isFinal: boolean): Uint8Array<ArrayBuffer> {
  const nonce = new Uint8Array(FILE_NONCE_BYTES);
  const view = new DataView(nonce.buffer);
  view.setUint32(7, index);
  view.setUint8(11, isFinal ? 1 : 0);
  return nonce;
}

/**
 * The size of the encrypted file for a plaintext of `plaintextBytes`: what the server stores and
 * counts against quotas.
 */
export function encryptedSize(
  plaintextBytes: number,
  chunkBytes: number = DEFAULT_FILE_CHUNK_BYTES,
): number {
  assertByteCount('a plaintext size', plaintextBytes);
  assertChunkBytes(chunkBytes);
  const chunks = chunkCount(plaintextBytes, chunkBytes);
  const total = FILE_HEADER_BYTES + plaintextBytes + chunks * FILE_TAG_BYTES;
  if (chunks > MAX_FILE_CHUNKS || !Number.isSafeInteger(total)) {
    throw invalid(`a file of ${plaintextBytes} bytes is too large for the format`);
  }
  return total;
}

/**
 * The plaintext size of an encrypted file of `ciphertextBytes` with chunks of `chunkBytes`.
 * Throws invalid_input for a size that no file encrypts to (a cut or extended file).
 */
export function plaintextSize(ciphertextBytes: number, chunkBytes: number): number {
  assertByteCount('a ciphertext size', ciphertextBytes);
  assertChunkBytes(chunkBytes);
  const body = ciphertextBytes - FILE_HEADER_BYTES;
  const slotBytes = chunkBytes + FILE_TAG_BYTES;
  const chunks = Math.ceil(body / slotBytes);
  const lastBytes = body - (chunks - 1) * slotBytes;
  // The last chunk holds its tag and at least one byte, unless it is the empty file's only chunk.
  if (
    body < FILE_TAG_BYTES ||
    lastBytes < FILE_TAG_BYTES ||
    (chunks > 1 && lastBytes === FILE_TAG_BYTES)
  ) {
    throw invalid(`no file encrypts to ${ciphertextBytes} bytes with chunks of ${chunkBytes}`);
  }
  if (chunks > MAX_FILE_CHUNKS) {
    throw invalid(`a file of ${ciphertextBytes} bytes is too large for the format`);
  }
  return body - chunks * FILE_TAG_BYTES;
}

/**
 * The bytes of chunk `index` in the encrypted file, for a ranged or resumed download. Its
 * plaintext starts at `index * chunkBytes`. `end` is where a full chunk ends: the final chunk
 * may end sooner, at the end of the file.
 */
export function chunkCiphertextRange(
  index: number,
  header: { readonly chunkBytes: number },
): ByteRange {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_FILE_CHUNKS) {
    throw invalid(`a chunk index is an integer from 0 to ${MAX_FILE_CHUNKS - 1}, not ${index}`);
  }
  assertChunkBytes(header.chunkBytes);
  const slotBytes = header.chunkBytes + FILE_TAG_BYTES;
  const start = FILE_HEADER_BYTES + index * slotBytes;
  const end = start + slotBytes;
  if (!Number.isSafeInteger(end)) throw invalid(`chunk ${index} lies beyond any possible file`);
  return { start, end };
}
