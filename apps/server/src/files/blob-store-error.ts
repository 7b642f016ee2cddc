export type BlobStoreErrorCode =
  'not_found' | 'invalid_id' | 'invalid_range' | 'too_large' | 'source_failed' | 'unavailable';

/**
 * A failure of the blob store. Messages are fixed texts: they never carry a path, an endpoint
 * or a credential; the original error, if any, is the `cause`.
 */
export class BlobStoreError extends Error {
  readonly code: BlobStoreErrorCode;

  constructor(code: BlobStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BlobStoreError';
    this.code = code;
  }
}

export const blobNotFound = (): BlobStoreError => new BlobStoreError('not_found', 'blob not found');

export const storageUnavailable = (cause: unknown): BlobStoreError =>
  cause instanceof BlobStoreError
    ? cause
    : new BlobStoreError('unavailable', 'the blob storage is unavailable', { cause });
