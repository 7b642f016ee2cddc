import { chmod, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { assertNever } from '../assert-never.js';
import {
  BACKEND_STORE_LIMITS,
  type Collection,
  type ListOptions,
  type LocalStore,
  type StoreLimits,
  type StoreOperation,
} from '../local-store.js';
import { LocalStoreError } from '../local-store-error.js';
import { SerialQueue } from '../serial-queue.js';
import {
  validateCollection,
  validatePrefix,
  validateRecord,
  validateTransaction,
  validateValue,
} from '../store-validation.js';
import { acquireDirectoryLock, type DirectoryLock } from './directory-lock.js';
import {
  DIRECTORY_MODE,
  isNotFound,
  removeEmptyDirectories,
  removeFile,
  replaceFile,
  syncDirectory,
  writeTempFile,
} from './durable-files.js';
import { isDirectorySegment, isFileSegment, keyToSegments, segmentsToKey } from './file-names.js';
import { decodeJournal, encodeJournal, maxJournalBytes } from './journal.js';

/**
 * Layout of a store directory (one per profile, mode 0700; files 0600):
 *
 *     format.json          format name and version, written first
 *     lock                 the owning process (see directory-lock)
 *     journal              present only while a transaction is applied, or after a crash
 *     tmp/                 files being written; emptied on open
 *     data/<collection>/   one file per record, named by file-names
 */
const FORMAT_FILE = 'format.json';
const LOCK_FILE = 'lock';
const JOURNAL_FILE = 'journal';
const TMP_DIRECTORY = 'tmp';
const DATA_DIRECTORY = 'data';
const FORMAT = { format: 'amtsbote-file-store', version: 1 } as const;
const formatSchema = z.strictObject({
  format: z.literal(FORMAT.format),
  version: z.literal(FORMAT.version),
});
/** format.json is a few dozen bytes; anything much larger is not ours. */
const MAX_FORMAT_FILE_BYTES = 1024;

/** Where a test may make a transaction "crash": the store stops there and leaves its files. */
export const FILE_STORE_CRASH_POINTS = [
  /** The journal is written to tmp/ but not yet renamed into place. */
  'before-journal-commit',
  /** The journal is in place; no record is changed yet. */
  'after-journal-commit',
  /** The first operation is applied, the others are not. */
  'after-first-operation',
] as const;
export type FileStoreCrashPoint = (typeof FILE_STORE_CRASH_POINTS)[number];

export interface FileStoreOptions {
  /** Tests only (refused elsewhere): simulate a crash of the process at this point. */
  readonly dangerousTestOnlyCrashAt?: FileStoreCrashPoint;
}

/** Thrown at a simulated crash point; the store is then closed as if its process had died. */
export class SimulatedCrashError extends Error {
  constructor(point: FileStoreCrashPoint) {
    super(`simulated crash at ${point}`);
    this.name = 'SimulatedCrashError';
  }
}

function wrapIoError(error: unknown): never {
  if (error instanceof LocalStoreError || error instanceof SimulatedCrashError) throw error;
  throw new LocalStoreError('io_failed', 'the store directory could not be read or written', {
    cause: error,
  });
}

/** Reads at most maxBytes of a file; null when there is no file; larger files are refused. */
async function readBounded(path: string, maxBytes: number): Promise<Uint8Array | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) {
      throw new LocalStoreError('corrupt_record', `${path} has ${size} bytes, more than allowed`);
    }
    return new Uint8Array(await handle.readFile());
  } finally {
    await handle.close();
  }
}

/** A LocalStore in a directory of files, for the CLI. One process at a time (see the lock). */
export class FileStore implements LocalStore {
  readonly limits: StoreLimits = BACKEND_STORE_LIMITS;
  readonly #directory: string;
  readonly #lock: DirectoryLock;
  readonly #crashAt: FileStoreCrashPoint | null;
  readonly #queue = new SerialQueue();
  #isClosed = false;

  private constructor(directory: string, lock: DirectoryLock, crashAt: FileStoreCrashPoint | null) {
    this.#directory = directory;
    this.#lock = lock;
    this.#crashAt = crashAt;
  }

  /**
   * Opens (or creates) the store in directory. An unfinished transaction is completed: a
   * journal in place is replayed, one still in tmp/ is discarded.
   */
  static async open(directory: string, options: FileStoreOptions = {}): Promise<FileStore> {
    const crashAt = options.dangerousTestOnlyCrashAt ?? null;
    if (crashAt !== null && process.env['VITEST'] === undefined) {
      throw new Error('dangerousTestOnlyCrashAt is for tests only');
    }
    try {
      await mkdir(directory, { recursive: true, mode: DIRECTORY_MODE });
      await chmod(directory, DIRECTORY_MODE);
      const lock = await acquireDirectoryLock(join(directory, LOCK_FILE));
      const store = new FileStore(directory, lock, crashAt);
      try {
        await store.#checkFormat();
        await rm(store.#path(TMP_DIRECTORY), { recursive: true, force: true });
        await mkdir(store.#path(TMP_DIRECTORY), { mode: DIRECTORY_MODE });
        await store.#recoverJournal();
      } catch (error) {
        await lock.release();
        throw error;
      }
      return store;
    } catch (error) {
      return wrapIoError(error);
    }
  }

  #path(...parts: string[]): string {
    return join(this.#directory, ...parts);
  }

  #collectionPath(collection: Collection): string {
    return this.#path(DATA_DIRECTORY, collection);
  }

  #recordPath(collection: Collection, key: string): string {
    return join(this.#collectionPath(collection), ...keyToSegments(key));
  }

  async #checkFormat(): Promise<void> {
    const bytes = await readBounded(this.#path(FORMAT_FILE), MAX_FORMAT_FILE_BYTES).catch(
      (error: unknown) => {
        throw new LocalStoreError('unsupported_format', 'format.json is not readable', {
          cause: error,
        });
      },
    );
    if (bytes === null) {
      const entries = (await readdir(this.#directory)).filter(
        (name) => name !== LOCK_FILE && name !== TMP_DIRECTORY,
      );
      if (entries.length > 0) {
        throw new LocalStoreError(
          'unsupported_format',
          `${this.#directory} is not empty and holds no store (no ${FORMAT_FILE})`,
        );
      }
      await mkdir(this.#path(TMP_DIRECTORY), { recursive: true, mode: DIRECTORY_MODE });
      const format = new TextEncoder().encode(JSON.stringify(FORMAT));
      await replaceFile(this.#path(TMP_DIRECTORY), this.#path(FORMAT_FILE), format);
      await syncDirectory(this.#directory);
      return;
    }
    let json: unknown = null;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      // Falls through to the schema check, which refuses null.
    }
    if (!formatSchema.safeParse(json).success) {
      throw new LocalStoreError(
        'unsupported_format',
        `${this.#directory} holds a store of another format or version`,
      );
    }
  }

  async #recoverJournal(): Promise<void> {
    const journal = await readBounded(this.#path(JOURNAL_FILE), maxJournalBytes(this.limits)).catch(
      (error: unknown) => {
        if (error instanceof LocalStoreError) {
          throw new LocalStoreError('corrupt_journal', error.message, { cause: error });
        }
        throw error;
      },
    );
    if (journal === null) return;
    await this.#apply(await decodeJournal(journal, this.limits), true);
    await removeFile(this.#path(JOURNAL_FILE));
    await syncDirectory(this.#directory);
  }

  async #crashIf(point: FileStoreCrashPoint): Promise<void> {
    if (this.#crashAt !== point) return;
    this.#isClosed = true;
    // A dead process leaves its lock file, which the next opener takes over; here we release it.
    await this.#lock.release();
    throw new SimulatedCrashError(point);
  }

  /**
   * Applies operations idempotently (a replay may repeat them), then syncs the directories
   * whose entries changed. isTransaction enables the test crash point between operations.
   */
  async #apply(operations: readonly StoreOperation[], isTransaction: boolean): Promise<void> {
    const tmp = this.#path(TMP_DIRECTORY);
    const changedDirectories = new Set<string>();
    for (const [index, operation] of operations.entries()) {
      const path = this.#recordPath(operation.collection, operation.key);
      switch (operation.type) {
        case 'put':
          await replaceFile(tmp, path, operation.value);
          changedDirectories.add(dirname(path));
          break;
        case 'delete':
          await removeFile(path);
          changedDirectories.add(
            await removeEmptyDirectories(path, this.#collectionPath(operation.collection)),
          );
          break;
        default:
          assertNever(operation);
      }
      if (isTransaction && index === 0) await this.#crashIf('after-first-operation');
    }
    for (const directory of changedDirectories) {
      await syncDirectory(directory).catch((error: unknown) => {
        // A collection directory that was never created has nothing to sync.
        if (!isNotFound(error)) throw error;
      });
    }
  }

  async #run<T>(task: () => Promise<T>): Promise<T> {
    return this.#queue
      .run(async () => {
        if (this.#isClosed) throw new LocalStoreError('closed', 'the store is closed');
        return task();
      })
      .catch(wrapIoError);
  }

  async get(collection: Collection, key: string): Promise<Uint8Array | null> {
    validateRecord(collection, key, this.limits);
    return this.#run(() =>
      readBounded(this.#recordPath(collection, key), this.limits.maxValueBytes),
    );
  }

  async put(collection: Collection, key: string, value: Uint8Array): Promise<void> {
    validateRecord(collection, key, this.limits);
    validateValue(value, this.limits);
    await this.#run(() => this.#apply([{ type: 'put', collection, key, value }], false));
  }

  async delete(collection: Collection, key: string): Promise<void> {
    validateRecord(collection, key, this.limits);
    await this.#run(() => this.#apply([{ type: 'delete', collection, key }], false));
  }

  async list(collection: Collection, options: ListOptions = {}): Promise<string[]> {
    validateCollection(collection);
    const prefix = options.prefix ?? '';
    validatePrefix(prefix, this.limits);
    return this.#run(async () => {
      const keys: string[] = [];
      await this.#collectKeys(this.#collectionPath(collection), [], keys);
      return keys.filter((key) => key.startsWith(prefix)).sort();
    });
  }

  async #collectKeys(directory: string, segments: string[], keys: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.isDirectory() && isDirectorySegment(entry.name)) {
        await this.#collectKeys(join(directory, entry.name), [...segments, entry.name], keys);
      } else if (entry.isFile() && isFileSegment(entry.name)) {
        const key = segmentsToKey([...segments, entry.name]);
        if (key !== null && key.length <= this.limits.maxKeyLength) keys.push(key);
      }
    }
  }

  async transaction(operations: readonly StoreOperation[]): Promise<void> {
    validateTransaction(operations, this.limits);
    const journal = await encodeJournal(operations);
    await this.#run(async () => {
      if (operations.length === 0) return;
      const tmpJournal = await writeTempFile(this.#path(TMP_DIRECTORY), journal);
      await this.#crashIf('before-journal-commit');
      await rename(tmpJournal, this.#path(JOURNAL_FILE));
      await syncDirectory(this.#directory);
      await this.#crashIf('after-journal-commit');
      await this.#apply(operations, true);
      await removeFile(this.#path(JOURNAL_FILE));
      await syncDirectory(this.#directory);
    });
  }

  async close(): Promise<void> {
    await this.#queue.run(async () => {
      if (this.#isClosed) return;
      this.#isClosed = true;
      await this.#lock.release();
    });
  }
}
