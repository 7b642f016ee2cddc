import { Readable } from 'node:stream';
import type { DataStore } from '@tus/server';
import type { Clock } from '../clock.js';
import type { S3BlobStoreConfig } from '../config.js';
import { isBlobId, parseBlobId, type BlobId } from './blob-id.js';
import { guardedChunks } from './blob-source.js';
import type {
  BlobListing,
  BlobListOptions,
  BlobRead,
  BlobStat,
  BlobStore,
  BlobWriteOptions,
  UploadStoreOptions,
} from './blob-store.js';
import { BlobStoreError, blobNotFound, storageUnavailable } from './blob-store-error.js';
import { resolveRange, type ByteRange } from './byte-range.js';
import { createS3Client, S3Bucket } from './s3-bucket.js';
import { BLOBS_PREFIX, blobKey } from './s3-keys.js';
import { DEFAULT_PART_SIZE_BYTES, MIN_PART_SIZE_BYTES, putInParts } from './s3-multipart.js';
import { S3UploadStore } from './s3-upload-store.js';

export interface S3BlobStoreOptions {
  readonly config: S3BlobStoreConfig;
  readonly clock: Clock;
  /** Size of multipart upload parts; at least 5 MiB. Up to two parts per write are in memory. */
  readonly partSizeBytes?: number;
}

/** Opens the store and checks that the bucket answers ('unavailable' otherwise). */
export async function openS3BlobStore(options: S3BlobStoreOptions): Promise<BlobStore> {
  const partSizeBytes = options.partSizeBytes ?? DEFAULT_PART_SIZE_BYTES;
  if (!Number.isSafeInteger(partSizeBytes) || partSizeBytes < MIN_PART_SIZE_BYTES) {
    throw new RangeError('partSizeBytes must be an integer of at least 5 MiB');
  }
  const client = createS3Client(options.config);
  const bucket = new S3Bucket(client, options.config.bucket);
  try {
    await bucket.check();
  } catch (error) {
    client.destroy();
    throw error;
  }
  return new S3BlobStore({
    bucket,
    clock: options.clock,
    partSizeBytes,
    close: () => client.destroy(),
  });
}

interface S3BlobStoreParts {
  readonly bucket: S3Bucket;
  readonly clock: Clock;
  readonly partSizeBytes: number;
  readonly close: () => void;
}

class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  readonly #parts: S3BlobStoreParts;

  constructor(parts: S3BlobStoreParts) {
    this.#parts = parts;
  }

  async write(
    id: BlobId,
    source: AsyncIterable<Uint8Array>,
    options: BlobWriteOptions,
  ): Promise<{ readonly sizeBytes: number }> {
    const key = blobKey(parseBlobId(id));
    const chunks = guardedChunks(source, options.maxBytes);
    const sizeBytes = await putInParts(this.#parts.bucket, key, chunks, this.#parts.partSizeBytes);
    return { sizeBytes };
  }

  async read(id: BlobId, range?: ByteRange): Promise<BlobRead> {
    const key = blobKey(parseBlobId(id));
    const { bucket } = this.#parts;
    if (range === undefined) {
      const whole = await bucket.get(key);
      const totalBytes = whole.contentLength;
      return { body: whole.body, totalBytes, offset: 0, lengthBytes: totalBytes };
    }
    // The range is checked here, against the size, rather than left to the server: servers
    // differ on ranges of empty objects and on ranges that end at byte 0.
    const stat = await bucket.stat(key);
    if (stat === null) throw blobNotFound();
    const totalBytes = stat.sizeBytes;
    const { offset, lengthBytes } = resolveRange(range, totalBytes);
    const part = await bucket.get(key, `bytes=${offset}-${offset + lengthBytes - 1}`);
    if (!isRangeAnswered(part.contentRange, offset, lengthBytes, totalBytes)) {
      part.body.destroy();
      throw storageUnavailable(new Error('the storage answered a different range'));
    }
    return { body: takeBytes(part.body, lengthBytes), totalBytes, offset, lengthBytes };
  }

  async stat(id: BlobId): Promise<BlobStat | null> {
    return this.#parts.bucket.stat(blobKey(parseBlobId(id)));
  }

  async delete(id: BlobId): Promise<void> {
    await this.#parts.bucket.delete(blobKey(parseBlobId(id)));
  }

  async *list(options: BlobListOptions = {}): AsyncGenerator<BlobListing> {
    const beforeMs = options.modifiedBefore?.getTime() ?? Number.POSITIVE_INFINITY;
    for await (const object of this.#parts.bucket.list(BLOBS_PREFIX)) {
      const id = object.key.slice(BLOBS_PREFIX.length);
      if (!isBlobId(id) || object.modifiedAt.getTime() >= beforeMs) continue;
      yield { id, sizeBytes: object.sizeBytes, modifiedAt: object.modifiedAt };
    }
  }

  uploadStore(options: UploadStoreOptions): DataStore {
    return new S3UploadStore({
      bucket: this.#parts.bucket,
      clock: this.#parts.clock,
      partSizeBytes: this.#parts.partSizeBytes,
      expirationMs: options.expirationMs,
    });
  }

  close(): Promise<void> {
    this.#parts.close();
    return Promise.resolve();
  }
}

/**
 * Whether a Content-Range covers the requested bytes of the same object. Some servers send
 * more than asked (s3rver reads `bytes=0-0` as `bytes=0-`), so only the start and the total
 * have to match; takeBytes cuts the rest.
 */
function isRangeAnswered(
  contentRange: string | null,
  offset: number,
  lengthBytes: number,
  totalBytes: number,
): boolean {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange ?? '');
  if (match === null) return false;
  const [start, end, total] = match.slice(1).map(Number);
  return (
    start === offset && end !== undefined && end >= offset + lengthBytes - 1 && total === totalBytes
  );
}

/** Exactly lengthBytes of source; the rest of the response is dropped. */
function takeBytes(source: Readable, lengthBytes: number): Readable {
  async function* take(): AsyncGenerator<Buffer> {
    let remaining = lengthBytes;
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (chunk.byteLength >= remaining) {
        yield chunk.subarray(0, remaining);
        return;
      }
      remaining -= chunk.byteLength;
      yield chunk;
    }
    throw new BlobStoreError('unavailable', 'the storage ended a read early');
  }
  return Readable.from(take(), { objectMode: false });
}
