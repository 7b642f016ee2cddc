/**
 * The one error type of file encryption (src/files). Every code names what the caller (or the
 * user) can do about it; `cause` keeps the underlying error, such as WebCrypto's OperationError.
 */

export const FILE_CRYPTO_ERROR_CODES = [
  /** The caller passed something unusable: a key that is not 32 bytes, a chunk size out of bounds, a size no file can have, a piece that is not a Uint8Array. */
  'invalid_input',
  /** Not an Amtsbote encrypted file or sealed metadata record, or a version this code does not know. */
  'unsupported_format',
  /** The header's key commitment does not match this key: another file's key, or a changed salt or commitment. */
  'wrong_key',
  /** A chunk or record does not authenticate under its position: changed, swapped or duplicated bytes. */
  'tampered',
  /** The ciphertext ends early: inside the header, inside a chunk, or without its final chunk. */
  'truncated',
  /** Bytes follow the final chunk. */
  'extended',
  /** Sealed metadata opened but does not hold a valid name, type and size. */
  'invalid_metadata',
] as const;
export type FileCryptoErrorCode = (typeof FILE_CRYPTO_ERROR_CODES)[number];

export class FileCryptoError extends Error {
  readonly code: FileCryptoErrorCode;

  constructor(code: FileCryptoErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FileCryptoError';
    this.code = code;
  }
}
