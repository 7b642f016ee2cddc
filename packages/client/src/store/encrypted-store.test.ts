import {
  RECORD_OVERHEAD_BYTES,
  RecordCipherError,
  generateStorageKeyBytes,
  importStorageKey,
  type StorageKey,
} from '@amtsbote/crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { EncryptedStore } from './encrypted-store.js';
import { BACKEND_STORE_LIMITS } from './local-store.js';
import { LocalStoreError } from './local-store-error.js';
import { MemoryStore } from './memory-store.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

async function corruptRecordError(promise: Promise<unknown>): Promise<LocalStoreError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LocalStoreError);
  expect((error as LocalStoreError).code).toBe('corrupt_record');
  return error as LocalStoreError;
}

describe('EncryptedStore', () => {
  let inner: MemoryStore;
  let key: StorageKey;
  let store: EncryptedStore;

  beforeEach(async () => {
    inner = new MemoryStore();
    key = await importStorageKey(generateStorageKeyBytes());
    store = new EncryptedStore(inner, key);
  });

  it('hands the inner store only sealed values, longer by the record overhead', async () => {
    const secret = bytes('Personalakte 4711: vertraulich');
    await store.put('messages', 'm1', secret);
    await store.transaction([{ type: 'put', collection: 'messages', key: 'm2', value: secret }]);
    for (const name of ['m1', 'm2']) {
      const sealed = await inner.get('messages', name);
      expect(sealed).toHaveLength(secret.length + RECORD_OVERHEAD_BYTES);
      expect(Buffer.from(sealed ?? []).includes(Buffer.from('vertraulich'))).toBe(false);
    }
    expect(await store.get('messages', 'm1')).toEqual(secret);
  });

  it('keeps record keys in clear in the inner store', async () => {
    await store.put('cursors', 'conversation-1', bytes('5'));
    expect(await inner.list('cursors')).toEqual(['conversation-1']);
  });

  it('refuses a value moved to another key of the same collection', async () => {
    await store.put('groups', 'alice-and-bob', bytes('state of A+B'));
    await store.put('groups', 'alice-and-eve', bytes('state of A+E'));
    const moved = await inner.get('groups', 'alice-and-bob');
    await inner.put('groups', 'alice-and-eve', moved ?? new Uint8Array(0));
    const error = await corruptRecordError(store.get('groups', 'alice-and-eve'));
    expect(error.cause).toBeInstanceOf(RecordCipherError);
    expect((error.cause as RecordCipherError).code).toBe('authentication_failed');
    expect(await store.get('groups', 'alice-and-bob')).toEqual(bytes('state of A+B'));
  });

  it('refuses a value moved to the same key of another collection', async () => {
    await store.put('pins', 'user-1', bytes('pinned key'));
    await inner.put('identity', 'user-1', (await inner.get('pins', 'user-1')) ?? new Uint8Array(0));
    await corruptRecordError(store.get('identity', 'user-1'));
  });

  it('refuses every value when opened with another storage key', async () => {
    await store.put('identity', 'device', bytes('private key'));
    const other = new EncryptedStore(inner, await importStorageKey(generateStorageKeyBytes()));
    await corruptRecordError(other.get('identity', 'device'));
  });

  it('refuses a value changed in the inner store, and a value too short to be sealed', async () => {
    await store.put('profile', 'p', bytes('server url'));
    const sealed = (await inner.get('profile', 'p')) ?? new Uint8Array(0);
    sealed[sealed.length - 1] = (sealed[sealed.length - 1] ?? 0) ^ 1;
    await inner.put('profile', 'p', sealed);
    await corruptRecordError(store.get('profile', 'p'));
    await inner.put('profile', 'p', bytes('plain'));
    await corruptRecordError(store.get('profile', 'p'));
  });

  it('leaves room for the record overhead within the inner store limits', () => {
    expect(store.limits.maxValueBytes).toBe(
      BACKEND_STORE_LIMITS.maxValueBytes - RECORD_OVERHEAD_BYTES,
    );
    const sealedAtMost =
      store.limits.maxTransactionBytes +
      store.limits.maxTransactionOperations * RECORD_OVERHEAD_BYTES;
    expect(sealedAtMost).toBe(BACKEND_STORE_LIMITS.maxTransactionBytes);
    expect(store.limits.maxKeyLength).toBe(BACKEND_STORE_LIMITS.maxKeyLength);
  });

  it('closes the inner store', async () => {
    await store.close();
    await expect(inner.get('profile', 'p')).rejects.toThrow(LocalStoreError);
  });
});
