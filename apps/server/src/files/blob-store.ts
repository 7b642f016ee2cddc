import type { Readable } from 'node:stream';
import type { DataStore } from '@tus/server';
import type { BlobId } from './blob-id.js';
import type { ByteRange } from './byte-range.js';

export type { BlobId } from './blob-id.js';
export type { ByteRange } from './byte-range.js';

export type BlobStoreKind = 'filesystem' | 's3';

export interface BlobStat {
  readonly sizeBytes: number;
  readonly modifiedAt: Date;
}

export interface BlobListing extends BlobStat {
  readonly id: BlobId;
}

export interface BlobRead {
  /** The bytes of the range. Destroy it when the reader stops early. */
  readonly body: Readable;
  /** Size of the whole blob (the complete length of an HTTP Content-Range). */
  readonly totalBytes: number;
  readonly offset: number;
  readonly lengthBytes: number;
}

export interface BlobWriteOptions {
  /** A source longer than this fails with 'too_large' and stores nothing. */
  readonly maxBytes: number;
}

export interface BlobListOptions {
  /** Only blobs last written strictly before this time. */
  readonly modifiedBefore?: Date;
}

export interface UploadStoreOptions {
  /** Unfinished uploads older than this are refused and removed by deleteExpired; 0: never. */
  readonly expirationMs: number;
}

/**
 * Opaque ciphertext blobs, by id. A blob is either complete or absent: a write that fails,
 * and an upload that has not finished, leave nothing that stat, read or list can see.
 * Every method validates the id it is given ('invalid_id'); failures are BlobStoreErrors.
 */
export interface BlobStore {
  readonly kind: BlobStoreKind;
  /**
   * Stores the whole source under id, replacing a blob of that id. A failing source rejects
   * with 'source_failed', a longer one than maxBytes with 'too_large'.
   */
  write(
    id: BlobId,
    source: AsyncIterable<Uint8Array>,
    options: BlobWriteOptions,
  ): Promise<{ readonly sizeBytes: number }>;
  /** The blob, or a range of it ('invalid_range' when it does not fit); 'not_found'. */
  read(id: BlobId, range?: ByteRange): Promise<BlobRead>;
  /** Size and time of the blob, or null when there is none. */
  stat(id: BlobId): Promise<BlobStat | null>;
  /** Removes the blob; removing one that does not exist succeeds. */
  delete(id: BlobId): Promise<void>;
  /** Every blob (or those older than a time), in no particular order; for the sweeper. */
  list(options?: BlobListOptions): AsyncIterable<BlobListing>;
  /**
   * The tus DataStore whose uploads land in this store (ADR 0013): the upload id is the blob
   * id, and a finished upload is a blob. Downloads do not go through tus.
   */
  uploadStore(options: UploadStoreOptions): DataStore;
  close(): Promise<void>;
}
