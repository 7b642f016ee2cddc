/** Stable codes of every refusal of the local store layer. */
export const LOCAL_STORE_ERROR_CODES = [
  'invalid_collection',
  /** Empty, too long, or not well-formed Unicode. */
  'invalid_key',
  'value_too_large',
  /** Too many operations or too many bytes in one transaction. */
  'transaction_too_large',
  /** A value that does not match the collection's schema was to be written. */
  'invalid_value',
  /** A stored value that does not decrypt or does not parse: damaged, moved, or another key. */
  'corrupt_record',
  /** A committed transaction journal that does not verify; the store refuses to guess. */
  'corrupt_journal',
  /** A store directory written by an unknown format version. */
  'unsupported_format',
  /** The store directory is open in another process (or already in this one). */
  'locked',
  'closed',
  /** The file system refused an operation; the cause holds its error. */
  'io_failed',
  /** An outbox entry with this message id exists with other content. */
  'message_id_conflict',
  'outbox_full',
] as const;
export type LocalStoreErrorCode = (typeof LOCAL_STORE_ERROR_CODES)[number];

export class LocalStoreError extends Error {
  readonly code: LocalStoreErrorCode;

  constructor(code: LocalStoreErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LocalStoreError';
    this.code = code;
  }
}
