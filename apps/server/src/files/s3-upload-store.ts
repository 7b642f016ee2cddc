import type { Readable } from 'node:stream';
import { DataStore, Upload } from '@tus/server';
import type { Clock } from '../clock.js';
import { isBlobId, parseBlobId, type BlobId } from './blob-id.js';
import { storageUnavailable } from './blob-store-error.js';
import type { S3Bucket } from './s3-bucket.js';
import {
  blobKey,
  idOfUploadStateKey,
  UPLOADS_PREFIX,
  uploadStateKey,
  uploadTailKey,
} from './s3-keys.js';
import { cutParts } from './s3-multipart.js';
import {
  loadUploadState,
  saveUploadState,
  uploadOffset,
  type UploadState,
} from './s3-upload-state.js';
import { throwTusError, uploadBlobId } from './tus-errors.js';

export interface S3UploadStoreOptions {
  readonly bucket: S3Bucket;
  readonly clock: Clock;
  readonly partSizeBytes: number;
  readonly expirationMs: number;
}

/**
 * tus uploads for the S3 store, straight into a multipart upload of the blob's key: the blob
 * exists only once the multipart upload is completed, after the last byte. Whole parts are
 * uploaded as they fill; bytes short of a part at the end of a PATCH are kept as the upload's
 * tail object and sent with the next PATCH. The upload's state (s3-upload-state.ts) lives in
 * the bucket, so a restart or another instance can continue it.
 */
export class S3UploadStore extends DataStore {
  readonly #bucket: S3Bucket;
  readonly #clock: Clock;
  readonly #partSizeBytes: number;
  readonly #expirationMs: number;

  constructor(options: S3UploadStoreOptions) {
    super();
    this.#bucket = options.bucket;
    this.#clock = options.clock;
    this.#partSizeBytes = options.partSizeBytes;
    this.#expirationMs = options.expirationMs;
    this.extensions = [
      'creation',
      'creation-with-upload',
      'creation-defer-length',
      'termination',
      'expiration',
    ];
  }

  override async create(upload: Upload): Promise<Upload> {
    // The id comes from our naming function; anything else is a bug, not a client's doing.
    const id = parseBlobId(upload.id);
    const createdAt = this.#clock.now().toISOString();
    upload.creation_date = createdAt;
    if (upload.size === 0) {
      await this.#bucket.put(blobKey(id), Buffer.alloc(0));
      return upload;
    }
    const multipartUploadId = await this.#bucket.createMultipart(blobKey(id));
    await saveUploadState(this.#bucket, id, {
      version: 1,
      multipartUploadId,
      sizeBytes: upload.size ?? null,
      createdAt,
      metadata: upload.metadata ?? {},
      parts: [],
      tail: null,
    });
    return upload;
  }

  override async write(stream: Readable, id: string, offset: number): Promise<number> {
    const blobId = uploadBlobId(id);
    const state = await loadUploadState(this.#bucket, blobId);
    if (state === null) throwTusError('FILE_NOT_FOUND');
    if (offset !== uploadOffset(state)) throwTusError('INVALID_OFFSET');
    const appended = await this.#append(blobId, state, stream);
    const newOffset = uploadOffset(appended);
    if (newOffset === appended.sizeBytes) await this.#finish(blobId, appended);
    return newOffset;
  }

  /** A finished upload is its blob; so a client asking after the last PATCH learns it is done. */
  override async getUpload(id: string): Promise<Upload> {
    const blobId = uploadBlobId(id);
    const blob = await this.#bucket.stat(blobKey(blobId));
    if (blob !== null) {
      return new Upload({ id: blobId, size: blob.sizeBytes, offset: blob.sizeBytes });
    }
    const state = await loadUploadState(this.#bucket, blobId);
    if (state === null) throwTusError('FILE_NOT_FOUND');
    return new Upload({
      id: blobId,
      offset: uploadOffset(state),
      ...(state.sizeBytes === null ? {} : { size: state.sizeBytes }),
      metadata: state.metadata,
      creation_date: state.createdAt,
    });
  }

  override async declareUploadLength(id: string, uploadLength: number): Promise<void> {
    const blobId = uploadBlobId(id);
    const state = await loadUploadState(this.#bucket, blobId);
    if (state === null) throwTusError('FILE_NOT_FOUND');
    await saveUploadState(this.#bucket, blobId, { ...state, sizeBytes: uploadLength });
  }

  /** Removes the upload, finished (the blob) or not; FILE_NOT_FOUND when there is neither. */
  override async remove(id: string): Promise<void> {
    const blobId = uploadBlobId(id);
    const state = await loadUploadState(this.#bucket, blobId);
    const blob = await this.#bucket.stat(blobKey(blobId));
    if (state === null && blob === null) throwTusError('FILE_NOT_FOUND');
    if (state !== null) {
      await this.#bucket.abortMultipartQuietly(blobKey(blobId), state.multipartUploadId);
      await this.#discardBookkeeping(blobId);
    }
    if (blob !== null) await this.#bucket.delete(blobKey(blobId));
  }

  /**
   * Removes unfinished uploads created longer than the expiration ago, and the bookkeeping a
   * crash left behind of finished ones; never a blob.
   */
  override async deleteExpired(): Promise<number> {
    if (this.#expirationMs === 0) return 0;
    const createdBeforeMs = this.#clock.now().getTime() - this.#expirationMs;
    const ids: BlobId[] = [];
    for await (const object of this.#bucket.list(UPLOADS_PREFIX)) {
      const id = idOfUploadStateKey(object.key);
      if (isBlobId(id)) ids.push(id);
    }
    let removed = 0;
    for (const id of ids) {
      const state = await loadUploadState(this.#bucket, id);
      if (state === null) continue;
      const isFinished = (await this.#bucket.stat(blobKey(id))) !== null;
      if (!isFinished && !(Date.parse(state.createdAt) < createdBeforeMs)) continue;
      if (!isFinished) {
        await this.#bucket.abortMultipartQuietly(blobKey(id), state.multipartUploadId);
      }
      await this.#discardBookkeeping(id);
      removed += 1;
    }
    return removed;
  }

  override getExpiration(): number {
    return this.#expirationMs;
  }

  /**
   * Sends the tail and the stream on as parts. Each whole part is uploaded and recorded at
   * once, so an interrupted PATCH keeps what arrived up to its last part; the bytes after the
   * last whole part become the new tail, unless they end the upload and go as its last part.
   * The stream's own errors pass through unchanged: @tus/server recognises them by identity.
   */
  async #append(id: BlobId, state: UploadState, stream: Readable): Promise<UploadState> {
    const oldTail = state.tail;
    const oldTailKey = oldTail === null ? null : uploadTailKey(id, oldTail.endOffset);
    const tailBytes = oldTailKey === null ? null : await this.#bucket.getBytes(oldTailKey);
    if (oldTailKey !== null && tailBytes === null) {
      throw storageUnavailable(new Error('the tail of an upload is missing'));
    }
    let current = state;
    let partsBytes = uploadOffset(state) - (oldTail?.sizeBytes ?? 0);
    // The old tail, while the saved state still names it.
    let staleTailKey = oldTailKey;
    for await (const part of cutParts(prepend(tailBytes, stream), this.#partSizeBytes)) {
      const endOffset = partsBytes + part.byteLength;
      if (current.sizeBytes !== null && endOffset > current.sizeBytes) {
        throwTusError('ERR_SIZE_EXCEEDED');
      }
      const isLast = endOffset === current.sizeBytes;
      if (part.byteLength === this.#partSizeBytes || isLast) {
        const number = current.parts.length + 1;
        const etag = await this.#bucket.uploadPart(
          blobKey(id),
          current.multipartUploadId,
          number,
          part,
        );
        const parts = [...current.parts, { number, etag, sizeBytes: part.byteLength }];
        current = { ...current, parts, tail: null };
        partsBytes = endOffset;
      } else {
        await this.#bucket.put(uploadTailKey(id, endOffset), part);
        current = { ...current, tail: { endOffset, sizeBytes: part.byteLength } };
      }
      if (isLast) continue; // #finish follows and removes all bookkeeping.
      await saveUploadState(this.#bucket, id, current);
      if (staleTailKey !== null && current.tail?.endOffset !== oldTail?.endOffset) {
        const key = staleTailKey;
        staleTailKey = null;
        // Best effort: a tail left behind goes with the upload's other bookkeeping at the end.
        await this.#bucket.delete(key).catch(() => undefined);
      }
    }
    return current;
  }

  async #finish(id: BlobId, state: UploadState): Promise<void> {
    if (state.parts.length === 0) {
      // S3 cannot complete a multipart upload without parts: the empty blob is put directly.
      await this.#bucket.put(blobKey(id), Buffer.alloc(0));
      await this.#bucket.abortMultipartQuietly(blobKey(id), state.multipartUploadId);
    } else {
      await this.#bucket.completeMultipart(blobKey(id), state.multipartUploadId, state.parts);
    }
    await this.#discardBookkeeping(id);
  }

  /** Deletes the upload's state and tails; the state last, so nothing is left unreferenced. */
  async #discardBookkeeping(id: BlobId): Promise<void> {
    const stateKey = uploadStateKey(id);
    const keys: string[] = [];
    for await (const object of this.#bucket.list(`${UPLOADS_PREFIX}${id}/`)) keys.push(object.key);
    for (const key of keys.filter((key) => key !== stateKey)) await this.#bucket.delete(key);
    await this.#bucket.delete(stateKey);
  }
}

async function* prepend(
  head: Buffer | null,
  rest: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (head !== null) yield head;
  yield* rest;
}
