import { openDB, type IDBPDatabase } from 'idb';
import {
  BACKEND_STORE_LIMITS,
  COLLECTIONS,
  type Collection,
  type ListOptions,
  type LocalStore,
  type StoreLimits,
  type StoreOperation,
} from '../local-store.js';
import { LocalStoreError } from '../local-store-error.js';
import {
  validateCollection,
  validatePrefix,
  validateRecord,
  validateTransaction,
  validateValue,
} from '../store-validation.js';

/**
 * The schema version of a store's database. Adding a collection (or changing how records are
 * kept) is a new version with its step in `upgrade`, tested like any other migration.
 */
export const INDEXEDDB_STORE_VERSION = 1;

/** One object store per collection; keys are the record keys, values the bytes as written. */
type RecordsSchema = { [C in Collection]: { key: string; value: unknown } };
type RecordsDatabase = IDBPDatabase<RecordsSchema>;

/**
 * A LocalStore in the browser's IndexedDB: one database per store (its name given by the
 * caller), one object store per collection. Writes commit with 'strict' durability, as
 * FileStore syncs its files: MLS state that silently rolls back after a crash would desynchronise
 * the device's groups.
 *
 * Values are not encrypted here; wrap the store in EncryptedStore (the Vault does).
 *
 * The connection closes itself when another one wants to delete or upgrade the database (a
 * wipe, another tab with a newer app): every later call is then refused with code 'closed'.
 */
export class IndexedDbStore implements LocalStore {
  readonly limits: StoreLimits = BACKEND_STORE_LIMITS;
  readonly name: string;
  readonly #db: RecordsDatabase;
  readonly #running = new Set<Promise<unknown>>();
  #isClosed = false;

  private constructor(name: string, db: RecordsDatabase) {
    this.name = name;
    this.#db = db;
  }

  /** Opens the database `name`, creating it with every collection when it does not exist. */
  static async open(name: string): Promise<IndexedDbStore> {
    let onConnectionLost = (): void => undefined;
    let db: RecordsDatabase;
    try {
      db = await openDB<RecordsSchema>(name, INDEXEDDB_STORE_VERSION, {
        upgrade(database) {
          for (const collection of COLLECTIONS) {
            if (!database.objectStoreNames.contains(collection)) {
              database.createObjectStore(collection);
            }
          }
        },
        blocking: () => {
          onConnectionLost();
        },
        terminated: () => {
          onConnectionLost();
        },
      });
    } catch (error) {
      const isNewer = error instanceof DOMException && error.name === 'VersionError';
      throw new LocalStoreError(
        isNewer ? 'unsupported_format' : 'io_failed',
        isNewer
          ? `database ${name} was written by a newer version of the app`
          : `database ${name} does not open`,
        { cause: error },
      );
    }
    const missing = COLLECTIONS.filter((collection) => !db.objectStoreNames.contains(collection));
    if (missing.length > 0) {
      db.close();
      throw new LocalStoreError(
        'unsupported_format',
        `database ${name} is not a store: it lacks ${missing.join(', ')}`,
      );
    }
    const store = new IndexedDbStore(name, db);
    onConnectionLost = () => {
      store.#isClosed = true;
      // Transactions already running still complete; the connection closes after them.
      db.close();
    };
    return store;
  }

  /** Runs one operation, so close() can wait for it; refuses it once the store is closed. */
  async #run<T>(operation: (db: RecordsDatabase) => Promise<T>): Promise<T> {
    if (this.#isClosed) throw new LocalStoreError('closed', `store ${this.name} is closed`);
    // Called synchronously: the IndexedDB transaction is created in call order, which is what
    // orders a read after a transaction started before it.
    const running = operation(this.#db);
    this.#running.add(running);
    try {
      return await running;
    } catch (error) {
      if (error instanceof LocalStoreError) throw error;
      throw new LocalStoreError('io_failed', `IndexedDB refused an operation on ${this.name}`, {
        cause: error,
      });
    } finally {
      this.#running.delete(running);
    }
  }

  async get(collection: Collection, key: string): Promise<Uint8Array | null> {
    return this.#run(async (db) => {
      validateRecord(collection, key, this.limits);
      const value = await db.get(collection, key);
      if (value === undefined) return null;
      // The database is an input like any other: another version or a damaged profile.
      if (!(value instanceof Uint8Array)) {
        throw new LocalStoreError('corrupt_record', `record ${collection}/${key} is not bytes`);
      }
      return value;
    });
  }

  async put(collection: Collection, key: string, value: Uint8Array): Promise<void> {
    return this.#run(async (db) => {
      validateRecord(collection, key, this.limits);
      validateValue(value, this.limits);
      await write(db, [{ type: 'put', collection, key, value }]);
    });
  }

  async delete(collection: Collection, key: string): Promise<void> {
    return this.#run(async (db) => {
      validateRecord(collection, key, this.limits);
      await write(db, [{ type: 'delete', collection, key }]);
    });
  }

  async list(collection: Collection, options: ListOptions = {}): Promise<string[]> {
    return this.#run(async (db) => {
      validateCollection(collection);
      const prefix = options.prefix ?? '';
      validatePrefix(prefix, this.limits);
      // IndexedDB orders string keys by code units, as JavaScript's sort does.
      const keys = await db.getAllKeys(collection, prefixRange(prefix));
      return keys.map((key) => {
        if (typeof key !== 'string') {
          throw new LocalStoreError(
            'corrupt_record',
            `collection ${collection} holds a non-string key`,
          );
        }
        return key;
      });
    });
  }

  async transaction(operations: readonly StoreOperation[]): Promise<void> {
    return this.#run(async (db) => {
      validateTransaction(operations, this.limits);
      if (operations.length > 0) await write(db, operations);
    });
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    await Promise.allSettled([...this.#running]);
    this.#db.close();
  }
}

/**
 * Applies validated operations in one readwrite transaction over the touched object stores:
 * IndexedDB commits all of them or, when any request fails, aborts and keeps none.
 */
async function write(db: RecordsDatabase, operations: readonly StoreOperation[]): Promise<void> {
  const names = [...new Set(operations.map((operation) => operation.collection))];
  const transaction = db.transaction(names, 'readwrite', { durability: 'strict' });
  // All requests are placed before the first await, so the transaction cannot commit early.
  const requests = operations.map((operation) => {
    const store = transaction.objectStore(operation.collection);
    // A copy of the value's own bytes: a view is stored with its whole buffer otherwise, which
    // could put neighbouring (plaintext) bytes on disk, and the caller may change it later.
    return operation.type === 'put'
      ? store.put(operation.value.slice(), operation.key)
      : store.delete(operation.key);
  });
  await Promise.all([...requests, transaction.done]);
}

/**
 * The keys that start with `prefix`, exactly: from the prefix itself up to, not including, the
 * first string after all of them (the prefix without trailing U+FFFF, its last code unit plus
 * one). `prefix + '\uffff'` as the upper bound would miss keys that continue with U+FFFF.
 */
export function prefixRange(prefix: string): IDBKeyRange | undefined {
  const stem = prefix.replace(/\uffff+$/u, '');
  if (stem.length === 0) return prefix.length === 0 ? undefined : IDBKeyRange.lowerBound(prefix);
  const last = stem.charCodeAt(stem.length - 1);
  const end = stem.slice(0, -1) + String.fromCharCode(last + 1);
  return IDBKeyRange.bound(prefix, end, false, true);
}
