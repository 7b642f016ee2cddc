import { generateStorageKeyBytes, importStorageKey } from '@amtsbote/crypto';
import { deleteDB, openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { EncryptedStore } from '../encrypted-store.js';
import type { LocalStore } from '../local-store.js';
import { describeLocalStoreContract, type LocalStoreBackend } from '../local-store-contract.js';
import { LocalStoreError, type LocalStoreErrorCode } from '../local-store-error.js';
import { INDEXEDDB_STORE_VERSION, IndexedDbStore } from './indexeddb-store.js';

/** A backend whose store is a fresh database, deleted after the test. */
function inFreshDatabase(
  name: string,
  wrap: (store: IndexedDbStore) => Promise<LocalStore>,
): LocalStoreBackend {
  return {
    name,
    open: async () => {
      const databaseName = `contract-${globalThis.crypto.randomUUID()}`;
      const store = await wrap(await IndexedDbStore.open(databaseName));
      return { store, cleanUp: () => deleteDB(databaseName) };
    },
  };
}

describeLocalStoreContract([
  inFreshDatabase('IndexedDbStore', (store) => Promise.resolve(store)),
  inFreshDatabase(
    'EncryptedStore(IndexedDbStore)',
    async (store) => new EncryptedStore(store, await importStorageKey(generateStorageKeyBytes())),
  ),
]);

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

async function refusal(promise: Promise<unknown>): Promise<LocalStoreErrorCode> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LocalStoreError);
  return (error as LocalStoreError).code;
}

describe('IndexedDbStore', () => {
  const names: string[] = [];
  const freshName = (): string => {
    const name = `store-${globalThis.crypto.randomUUID()}`;
    names.push(name);
    return name;
  };

  afterEach(async () => {
    await Promise.all(names.splice(0).map((name) => deleteDB(name)));
  });

  it('lists the keys that continue the prefix with U+FFFF, and only those', async () => {
    const store = await IndexedDbStore.open(freshName());
    const keys = ['a', 'a\uffff', 'a\uffffz', 'a\uffff\uffff', 'b', '\uffff', '\uffff\uffffx'];
    for (const key of keys) await store.put('messages', key, bytes(key));
    // 'z' (U+007A) sorts before U+FFFF.
    expect(await store.list('messages', { prefix: 'a\uffff' })).toEqual([
      'a\uffff',
      'a\uffffz',
      'a\uffff\uffff',
    ]);
    expect(await store.list('messages', { prefix: 'a' })).toEqual(
      keys.filter((key) => key.startsWith('a')).sort(),
    );
    expect(await store.list('messages', { prefix: '\uffff\uffff' })).toEqual(['\uffff\uffffx']);
    await store.close();
  });

  it('keeps its records when closed and opened again', async () => {
    const name = freshName();
    const first = await IndexedDbStore.open(name);
    const written = first.put('groups', 'g1', bytes('epoch 3'));
    // close() waits for the write that is already running.
    await first.close();
    await written;
    const second = await IndexedDbStore.open(name);
    expect(await second.get('groups', 'g1')).toEqual(bytes('epoch 3'));
    await second.close();
  });

  it('stores only the bytes of a view, not the rest of its buffer', async () => {
    const name = freshName();
    const store = await IndexedDbStore.open(name);
    const buffer = bytes('SECRET-NEIGHBOUR|value|SECRET-NEIGHBOUR');
    await store.put('profile', 'p', buffer.subarray(17, 22));
    await store.close();
    const raw = await openDB(name);
    const stored: unknown = await raw.get('profile', 'p');
    raw.close();
    expect(stored).toBeInstanceOf(Uint8Array);
    expect((stored as Uint8Array).buffer.byteLength).toBe(5);
  });

  it('refuses a stored value that is not bytes as corrupt', async () => {
    const name = freshName();
    await (await IndexedDbStore.open(name)).close();
    const raw = await openDB(name);
    await raw.put('groups', 'not bytes', 'g1');
    await raw.put('groups', bytes('number key'), 42);
    raw.close();
    const store = await IndexedDbStore.open(name);
    expect(await refusal(store.get('groups', 'g1'))).toBe('corrupt_record');
    expect(await refusal(store.list('groups'))).toBe('corrupt_record');
    await store.close();
  });

  it('refuses a database of a newer version, and one that is not a store', async () => {
    const newer = freshName();
    (await openDB(newer, INDEXEDDB_STORE_VERSION + 1)).close();
    expect(await refusal(IndexedDbStore.open(newer))).toBe('unsupported_format');
    const foreign = freshName();
    (await openDB(foreign, INDEXEDDB_STORE_VERSION)).close();
    expect(await refusal(IndexedDbStore.open(foreign))).toBe('unsupported_format');
  });

  it('closes itself when the database is deleted elsewhere, and refuses later calls', async () => {
    const name = freshName();
    const store = await IndexedDbStore.open(name);
    await store.put('groups', 'g1', bytes('x'));
    // deleteDB resolves only once every connection is closed: the store must close on its own.
    await deleteDB(name);
    expect((await indexedDB.databases()).map((database) => database.name)).not.toContain(name);
    expect(await refusal(store.get('groups', 'g1'))).toBe('closed');
    await store.close();
  });
});
