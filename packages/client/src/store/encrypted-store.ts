import {
  RECORD_OVERHEAD_BYTES,
  RecordCipherError,
  decryptRecord,
  encryptRecord,
  recordAssociatedData,
  type StorageKey,
} from '@amtsbote/crypto';
import type {
  Collection,
  ListOptions,
  LocalStore,
  StoreLimits,
  StoreOperation,
} from './local-store.js';
import { LocalStoreError } from './local-store-error.js';
import { validateRecord, validateTransaction, validateValue } from './store-validation.js';

/**
 * Encryption at rest for any LocalStore: every value is sealed with the storage key
 * (AES-256-GCM, see record-cipher in @amtsbote/crypto) and bound to its collection and key, so
 * a value copied to another record, or written under another key, is refused as corrupt.
 *
 * What stays visible to whoever reads the backend: collection names, record keys (ids, sequence
 * numbers), the number of records and each value's length. Ids are not secret; content is.
 *
 * The wrapper owns the inner store: close() closes it.
 */
export class EncryptedStore implements LocalStore {
  readonly limits: StoreLimits;
  readonly #inner: LocalStore;
  readonly #key: StorageKey;

  constructor(inner: LocalStore, storageKey: StorageKey) {
    this.#inner = inner;
    this.#key = storageKey;
    this.limits = {
      maxKeyLength: inner.limits.maxKeyLength,
      maxValueBytes: inner.limits.maxValueBytes - RECORD_OVERHEAD_BYTES,
      maxTransactionOperations: inner.limits.maxTransactionOperations,
      maxTransactionBytes:
        inner.limits.maxTransactionBytes -
        inner.limits.maxTransactionOperations * RECORD_OVERHEAD_BYTES,
    };
  }

  async #seal(collection: Collection, key: string, value: Uint8Array): Promise<Uint8Array> {
    return encryptRecord(this.#key, value, recordAssociatedData(collection, key));
  }

  async get(collection: Collection, key: string): Promise<Uint8Array | null> {
    validateRecord(collection, key, this.limits);
    const sealed = await this.#inner.get(collection, key);
    if (sealed === null) return null;
    try {
      return await decryptRecord(this.#key, sealed, recordAssociatedData(collection, key));
    } catch (error) {
      if (!(error instanceof RecordCipherError)) throw error;
      throw new LocalStoreError(
        'corrupt_record',
        `record ${collection}/${key} does not decrypt (${error.code})`,
        { cause: error },
      );
    }
  }

  async put(collection: Collection, key: string, value: Uint8Array): Promise<void> {
    validateRecord(collection, key, this.limits);
    validateValue(value, this.limits);
    await this.#inner.put(collection, key, await this.#seal(collection, key, value));
  }

  async delete(collection: Collection, key: string): Promise<void> {
    validateRecord(collection, key, this.limits);
    await this.#inner.delete(collection, key);
  }

  async list(collection: Collection, options: ListOptions = {}): Promise<string[]> {
    return this.#inner.list(collection, options);
  }

  async transaction(operations: readonly StoreOperation[]): Promise<void> {
    validateTransaction(operations, this.limits);
    const sealed = await Promise.all(
      operations.map(async (operation): Promise<StoreOperation> =>
        operation.type === 'put'
          ? {
              ...operation,
              value: await this.#seal(operation.collection, operation.key, operation.value),
            }
          : operation,
      ),
    );
    await this.#inner.transaction(sealed);
  }

  async close(): Promise<void> {
    await this.#inner.close();
  }
}
