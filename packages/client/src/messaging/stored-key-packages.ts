import {
  base64urlDecode,
  base64urlEncode,
  type KeyPackageStore,
  type StoredKeyPackage,
} from '@amtsbote/crypto';
import { z } from 'zod';
import { JsonCollection } from '../store/json-collection.js';
import type { LocalStore, StoreOperation } from '../store/local-store.js';

/*
 * The private halves of this device's published key packages, in the 'key-packages' collection
 * keyed by the base64url key package reference, until a Welcome uses them.
 */

const bytes = z.string().regex(/^[A-Za-z0-9_-]*$/);
const recordSchema = z.strictObject({
  v: z.literal(1),
  keyPackage: bytes,
  initPrivateKey: bytes,
  hpkePrivateKey: bytes,
  isLastResort: z.boolean(),
});
type KeyPackageRecord = z.infer<typeof recordSchema>;

function toEntry(record: KeyPackageRecord): StoredKeyPackage {
  return {
    keyPackage: base64urlDecode(record.keyPackage),
    initPrivateKey: base64urlDecode(record.initPrivateKey),
    hpkePrivateKey: base64urlDecode(record.hpkePrivateKey),
    isLastResort: record.isLastResort,
  };
}

export class StoredKeyPackages implements KeyPackageStore {
  readonly #records: JsonCollection<KeyPackageRecord>;

  constructor(store: LocalStore) {
    this.#records = new JsonCollection(store, 'key-packages', recordSchema);
  }

  async get(reference: Uint8Array): Promise<StoredKeyPackage | null> {
    const record = await this.#records.get(base64urlEncode(reference));
    return record === null ? null : toEntry(record);
  }

  async put(reference: Uint8Array, entry: StoredKeyPackage): Promise<void> {
    await this.#records.put(base64urlEncode(reference), {
      v: 1,
      keyPackage: base64urlEncode(entry.keyPackage),
      initPrivateKey: base64urlEncode(entry.initPrivateKey),
      hpkePrivateKey: base64urlEncode(entry.hpkePrivateKey),
      isLastResort: entry.isLastResort,
    });
  }

  async delete(reference: Uint8Array): Promise<void> {
    await this.#records.delete(base64urlEncode(reference));
  }

  /**
   * A view for joining a group: deletions are collected instead of written, so the used key
   * package disappears in the same transaction that stores the joined group (a crash in between
   * must not lose the only key that opens the Welcome).
   */
  deferringDeletes(): { store: KeyPackageStore; operations: () => StoreOperation[] } {
    const operations: StoreOperation[] = [];
    const store: KeyPackageStore = {
      get: (reference) => this.get(reference),
      put: (reference, entry) => this.put(reference, entry),
      delete: (reference) => {
        operations.push(this.#records.deleteOperation(base64urlEncode(reference)));
        return Promise.resolve();
      },
    };
    return { store, operations: () => [...operations] };
  }
}
