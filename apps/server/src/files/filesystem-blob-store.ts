import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { DataStore } from '@tus/server';
import type { Clock } from '../clock.js';
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
import { moveDurably, writeAll } from './durable-file.js';
import { filesystemLayout, type FilesystemLayout } from './filesystem-layout.js';
import { FilesystemUploadStore } from './filesystem-upload-store.js';

/** A temp file this old belongs to a write that a crash or a kill interrupted. */
const STALE_TEMP_FILE_MS = 3600_000;

export interface FilesystemBlobStoreOptions {
  /** The store's own directory, e.g. <dataDir>/blobs. */
  readonly directory: string;
  readonly clock: Clock;
}

export async function openFilesystemBlobStore(
  options: FilesystemBlobStoreOptions,
): Promise<BlobStore> {
  const layout = filesystemLayout(path.resolve(options.directory));
  try {
    for (const directory of [layout.root, layout.objectsDir, layout.uploadsDir, layout.tmpDir]) {
      await mkdir(directory, { recursive: true, mode: 0o700 });
    }
    await removeTempFilesBefore(layout.tmpDir, options.clock.now().getTime() - STALE_TEMP_FILE_MS);
  } catch (error) {
    throw storageUnavailable(error);
  }
  return new FilesystemBlobStore(layout, options.clock);
}

class FilesystemBlobStore implements BlobStore {
  readonly kind = 'filesystem';
  readonly #layout: FilesystemLayout;
  readonly #clock: Clock;

  constructor(layout: FilesystemLayout, clock: Clock) {
    this.#layout = layout;
    this.#clock = clock;
  }

  async write(
    id: BlobId,
    source: AsyncIterable<Uint8Array>,
    options: BlobWriteOptions,
  ): Promise<{ readonly sizeBytes: number }> {
    const target = this.#layout.objectPath(parseBlobId(id));
    const tempPath = path.join(this.#layout.tmpDir, `${randomUUID()}.partial`);
    let sizeBytes = 0;
    try {
      const handle = await open(tempPath, 'wx', 0o600);
      try {
        for await (const chunk of guardedChunks(source, options.maxBytes)) {
          await writeAll(handle, chunk);
          sizeBytes += chunk.byteLength;
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      await moveDurably(tempPath, target);
    } catch (error) {
      // Best effort: a temp file left behind is removed when the store is next opened.
      await rm(tempPath, { force: true }).catch(() => undefined);
      throw storageUnavailable(error);
    }
    return { sizeBytes };
  }

  async read(id: BlobId, range?: ByteRange): Promise<BlobRead> {
    const filePath = this.#layout.objectPath(parseBlobId(id));
    let handle: FileHandle;
    try {
      handle = await open(filePath, 'r');
    } catch (error) {
      throw isNotFound(error) ? blobNotFound() : storageUnavailable(error);
    }
    try {
      const totalBytes = (await handle.stat()).size;
      const { offset, lengthBytes } = resolveRange(range, totalBytes);
      if (lengthBytes === 0) {
        await handle.close();
        return { body: Readable.from([], { objectMode: false }), totalBytes, offset, lengthBytes };
      }
      // The stream closes the handle when it ends or is destroyed.
      const body = handle.createReadStream({ start: offset, end: offset + lengthBytes - 1 });
      return { body, totalBytes, offset, lengthBytes };
    } catch (error) {
      await handle.close();
      throw error instanceof BlobStoreError ? error : storageUnavailable(error);
    }
  }

  async stat(id: BlobId): Promise<BlobStat | null> {
    return statFile(this.#layout.objectPath(parseBlobId(id)));
  }

  async delete(id: BlobId): Promise<void> {
    const filePath = this.#layout.objectPath(parseBlobId(id));
    try {
      await rm(filePath, { force: true });
    } catch (error) {
      throw storageUnavailable(error);
    }
  }

  async *list(options: BlobListOptions = {}): AsyncGenerator<BlobListing> {
    const beforeMs = options.modifiedBefore?.getTime() ?? Number.POSITIVE_INFINITY;
    for (const shard of await listDirectory(this.#layout.objectsDir)) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      for (const name of await listDirectory(path.join(this.#layout.objectsDir, shard))) {
        if (!isBlobId(name) || !name.startsWith(shard)) continue;
        const stat = await statFile(this.#layout.objectPath(name));
        if (stat !== null && stat.modifiedAt.getTime() < beforeMs) yield { id: name, ...stat };
      }
    }
  }

  uploadStore(options: UploadStoreOptions): DataStore {
    return new FilesystemUploadStore({
      layout: this.#layout,
      clock: this.#clock,
      expirationMs: options.expirationMs,
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function statFile(filePath: string): Promise<BlobStat | null> {
  try {
    const stats = await stat(filePath);
    return stats.isFile() ? { sizeBytes: stats.size, modifiedAt: stats.mtime } : null;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw storageUnavailable(error);
  }
}

/** The names in a directory; none when it has gone. */
async function listDirectory(directory: string): Promise<string[]> {
  try {
    return await readdir(directory);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw storageUnavailable(error);
  }
}

async function removeTempFilesBefore(tmpDir: string, beforeMs: number): Promise<void> {
  for (const name of await readdir(tmpDir)) {
    const filePath = path.join(tmpDir, name);
    const stats = await stat(filePath).catch(() => null);
    if (stats !== null && stats.mtimeMs < beforeMs) await rm(filePath, { force: true });
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}
