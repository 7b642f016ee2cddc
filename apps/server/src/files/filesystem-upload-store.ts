import type { Stats } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import { DataStore, Upload } from '@tus/server';
import type { Clock } from '../clock.js';
import { isBlobId, parseBlobId, type BlobId } from './blob-id.js';
import { moveDurably, syncFile } from './durable-file.js';
import type { FilesystemLayout } from './filesystem-layout.js';
import { isTusError, throwTusError, uploadBlobId } from './tus-errors.js';

export interface FilesystemUploadStoreOptions {
  readonly layout: FilesystemLayout;
  readonly clock: Clock;
  readonly expirationMs: number;
}

/**
 * tus uploads for the filesystem store. @tus/file-store keeps an unfinished upload in
 * uploads/ (the file and its tus metadata); the write that reaches the declared length syncs
 * the file and renames it to its blob path, so a blob appears only complete. A finished
 * upload reports its blob's size, so a client that asks again after the last PATCH learns
 * that it is done.
 */
export class FilesystemUploadStore extends DataStore {
  readonly #files: FileStore;
  readonly #layout: FilesystemLayout;
  readonly #clock: Clock;
  readonly #expirationMs: number;

  constructor(options: FilesystemUploadStoreOptions) {
    super();
    this.#layout = options.layout;
    this.#clock = options.clock;
    this.#expirationMs = options.expirationMs;
    this.#files = new FileStore({
      directory: options.layout.uploadsDir,
      expirationPeriodInMilliseconds: options.expirationMs,
    });
    this.extensions = [...this.#files.extensions];
  }

  override async create(upload: Upload): Promise<Upload> {
    // The id comes from our naming function; anything else is a bug, not a client's doing.
    const id = parseBlobId(upload.id);
    upload.creation_date = this.#clock.now().toISOString();
    const created = await this.#files.create(upload);
    if (created.size === 0) await this.#finish(id);
    return created;
  }

  override async write(stream: Readable, id: string, offset: number): Promise<number> {
    const blobId = uploadBlobId(id);
    const upload = await this.#files.getUpload(blobId);
    if (offset !== upload.offset) throwTusError('INVALID_OFFSET');
    const newOffset = await this.#files.write(stream, blobId, offset);
    if (newOffset === upload.size) await this.#finish(blobId);
    return newOffset;
  }

  override async getUpload(id: string): Promise<Upload> {
    const blobId = uploadBlobId(id);
    try {
      const upload = await this.#files.getUpload(blobId);
      // Written completely, but a crash came before the rename: finish it now.
      if (upload.offset === upload.size) await this.#finish(blobId);
      return upload;
    } catch (error) {
      if (!isTusError(error, 'FILE_NOT_FOUND') && !isTusError(error, 'FILE_NO_LONGER_EXISTS')) {
        throw error;
      }
      const blob = await statIfExists(this.#layout.objectPath(blobId));
      if (blob === null) throw error;
      return new Upload({ id: blobId, size: blob.size, offset: blob.size });
    }
  }

  override async declareUploadLength(id: string, uploadLength: number): Promise<void> {
    await this.#files.declareUploadLength(uploadBlobId(id), uploadLength);
  }

  /** Removes the upload, finished (the blob) or not; FILE_NOT_FOUND when there is neither. */
  override async remove(id: string): Promise<void> {
    const blobId = uploadBlobId(id);
    const paths = [...this.#stagedPaths(blobId), this.#layout.objectPath(blobId)];
    let hasExisted = false;
    for (const filePath of paths) {
      hasExisted = (await statIfExists(filePath)) !== null || hasExisted;
      await rm(filePath, { force: true });
    }
    if (!hasExisted) throwTusError('FILE_NOT_FOUND');
  }

  /** Removes unfinished uploads created longer than the expiration ago; never a blob. */
  override async deleteExpired(): Promise<number> {
    if (this.#expirationMs === 0) return 0;
    const createdBeforeMs = this.#clock.now().getTime() - this.#expirationMs;
    let removed = 0;
    for (const name of await readdir(this.#layout.uploadsDir)) {
      const id = name.endsWith('.json') ? name.slice(0, -'.json'.length) : null;
      if (!isBlobId(id)) continue;
      const info = await this.#files.configstore.get(id);
      const createdMs = Date.parse(info?.creation_date ?? '');
      if (!(createdMs < createdBeforeMs)) continue;
      for (const filePath of this.#stagedPaths(id)) await rm(filePath, { force: true });
      removed += 1;
    }
    return removed;
  }

  override getExpiration(): number {
    return this.#expirationMs;
  }

  /** The upload's file and its tus metadata (@tus/file-store's FileConfigstore naming). */
  #stagedPaths(id: BlobId): [string, string] {
    const file = path.join(this.#layout.uploadsDir, id);
    return [file, `${file}.json`];
  }

  /** Moves the complete upload to its blob path; a HEAD and the last PATCH may both try. */
  async #finish(id: BlobId): Promise<void> {
    const [file, info] = this.#stagedPaths(id);
    const blob = this.#layout.objectPath(id);
    try {
      await syncFile(file);
      await moveDurably(file, blob);
    } catch (error) {
      const isFinishedElsewhere =
        (await statIfExists(file)) === null && (await statIfExists(blob)) !== null;
      if (!isFinishedElsewhere) throw error;
    }
    await rm(info, { force: true });
  }
}

async function statIfExists(filePath: string): Promise<Stats | null> {
  try {
    return await stat(filePath);
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return null;
    throw error;
  }
}
