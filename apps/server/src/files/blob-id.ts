import { BlobStoreError } from './blob-store-error.js';

/** The id of a stored blob: a lowercase UUID, chosen by the server, never by a client. */
export type BlobId = string & { readonly __brand: 'BlobId' };

/**
 * Lowercase only: on a case-insensitive filesystem two spellings of one UUID would name the same
 * file. Nothing but hex digits and dashes, so an id can never become a path.
 */
const BLOB_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isBlobId(value: unknown): value is BlobId {
  return typeof value === 'string' && BLOB_ID_PATTERN.test(value);
}

/** Returns value as a BlobId; throws BlobStoreError 'invalid_id' (without echoing it) otherwise. */
export function parseBlobId(value: unknown): BlobId {
  if (!isBlobId(value)) throw new BlobStoreError('invalid_id', 'not a valid blob id');
  return value;
}
