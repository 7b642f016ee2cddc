import type { BlobId } from './blob-id.js';

/**
 * Object keys in the bucket: complete blobs under blobs/, the bookkeeping of unfinished tus
 * uploads under uploads/ (so listing blobs never sees an upload's parts).
 */
export const BLOBS_PREFIX = 'blobs/';
export const UPLOADS_PREFIX = 'uploads/';

export const blobKey = (id: BlobId): string => `${BLOBS_PREFIX}${id}`;

/** The upload's state: multipart upload id, parts, tail (s3-upload-state.ts). */
export const uploadStateKey = (id: BlobId): string => `${UPLOADS_PREFIX}${id}/state.json`;

/** Bytes of an upload short of a whole part, named by the upload offset they end at. */
export const uploadTailKey = (id: BlobId, endOffset: number): string =>
  `${UPLOADS_PREFIX}${id}/tail-${endOffset}`;

/** The blob id of an upload state key, or null for any other key. */
export function idOfUploadStateKey(key: string): string | null {
  const match = /^uploads\/([^/]+)\/state\.json$/.exec(key);
  return match?.[1] ?? null;
}
