import {
  BACKEND_STORE_LIMITS,
  type Collection,
  type ListOptions,
  type LocalStore,
  type StoreLimits,
  type StoreOperation,
} from './local-store.js';
import { LocalStoreError } from './local-store-error.js';
import {
  validateCollection,
  validatePrefix,
  validateRecord,
  validateTransaction,
  validateValue,
} from './store-validation.js';

/** A LocalStore in memory, for tests and benchmarks. Values are copied in and out. */
export class MemoryStore implements LocalStore {
  readonly limits: StoreLimits = BACKEND_STORE_LIMITS;
  readonly #collections = new Map<Collection, Map<string, Uint8Array>>();
  #isClosed = false;

  #records(collection: Collection): Map<string, Uint8Array> {
    let records = this.#collections.get(collection);
    if (records === undefined) {
      records = new Map();
      this.#collections.set(collection, records);
    }
    return records;
  }

  #assertOpen(): void {
    if (this.#isClosed) throw new LocalStoreError('closed', 'the store is closed');
  }

  #apply(operation: StoreOperation): void {
    const records = this.#records(operation.collection);
    if (operation.type === 'put') records.set(operation.key, operation.value.slice());
    else records.delete(operation.key);
  }

  get(collection: Collection, key: string): Promise<Uint8Array | null> {
    return Promise.resolve().then(() => {
      this.#assertOpen();
      validateRecord(collection, key, this.limits);
      return this.#records(collection).get(key)?.slice() ?? null;
    });
  }

  put(collection: Collection, key: string, value: Uint8Array): Promise<void> {
    return Promise.resolve().then(() => {
      this.#assertOpen();
      validateRecord(collection, key, this.limits);
      validateValue(value, this.limits);
      this.#apply({ type: 'put', collection, key, value });
    });
  }

  delete(collection: Collection, key: string): Promise<void> {
    return Promise.resolve().then(() => {
      this.#assertOpen();
      validateRecord(collection, key, this.limits);
      this.#apply({ type: 'delete', collection, key });
    });
  }

  list(collection: Collection, options: ListOptions = {}): Promise<string[]> {
    return Promise.resolve().then(() => {
      this.#assertOpen();
      validateCollection(collection);
      const prefix = options.prefix ?? '';
      validatePrefix(prefix, this.limits);
      return [...this.#records(collection).keys()].filter((key) => key.startsWith(prefix)).sort();
    });
  }

  transaction(operations: readonly StoreOperation[]): Promise<void> {
    return Promise.resolve().then(() => {
      this.#assertOpen();
      validateTransaction(operations, this.limits);
      // Validated first and applied without an await in between: all or nothing.
      for (const operation of operations) this.#apply(operation);
    });
  }

  close(): Promise<void> {
    this.#isClosed = true;
    return Promise.resolve();
  }
}
