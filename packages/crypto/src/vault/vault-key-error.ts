/**
 * The one error type of vault key wrapping (src/vault). `cause` keeps the underlying error,
 * such as WebCrypto's OperationError.
 */

export const VAULT_KEY_ERROR_CODES = [
  /** The caller passed something unusable: a key or PRF output of the wrong length, an empty or too long PIN, a bad vault id. */
  'invalid_input',
  /** Not a wrapped vault key: wrong length, unknown version, or wrapped by the other unlock method. */
  'malformed',
  /**
   * The wrap does not open: a wrong PIN or PRF output, a wrap of another vault, or changed bytes.
   * AES-GCM cannot tell these apart, and need not: none of them gives the key.
   */
  'wrong_secret',
] as const;
export type VaultKeyErrorCode = (typeof VAULT_KEY_ERROR_CODES)[number];

export class VaultKeyError extends Error {
  readonly code: VaultKeyErrorCode;

  constructor(code: VaultKeyErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VaultKeyError';
    this.code = code;
  }
}
