import { BlobStoreError } from './blob-store-error.js';

/**
 * The chunks of a source that a blob write consumes. A failing source becomes 'source_failed'
 * and a source longer than maxBytes 'too_large'; either way the source is destroyed, so the
 * caller only has to discard what it stored so far.
 */
export async function* guardedChunks(
  source: AsyncIterable<unknown>,
  maxBytes: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  let totalBytes = 0;
  try {
    for await (const chunk of source) {
      if (!(chunk instanceof Uint8Array)) {
        throw new BlobStoreError('source_failed', 'the source did not yield bytes');
      }
      totalBytes += chunk.byteLength;
      if (totalBytes > maxBytes) {
        throw new BlobStoreError('too_large', 'the blob exceeds its size limit');
      }
      yield chunk;
    }
  } catch (error) {
    if (error instanceof BlobStoreError) throw error;
    throw new BlobStoreError('source_failed', 'the source failed before its end', {
      cause: error,
    });
  }
}
