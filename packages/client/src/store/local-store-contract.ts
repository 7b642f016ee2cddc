import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalStore, StoreOperation } from './local-store.js';
import { LocalStoreError, type LocalStoreErrorCode } from './local-store-error.js';

/*
 * One contract, run unchanged against every LocalStore the client can be given. A store that
 * passes it can replace any other. Test support only (it imports vitest): the node test
 * (local-store-contract.test.ts) and the browser test (browser/indexeddb-store.browser.test.ts)
 * call it with their backends; tsconfig.build.json leaves it out of the build.
 */

export interface OpenedLocalStore {
  /** A fresh, empty store. */
  readonly store: LocalStore;
  /** Removes what the store left behind (a directory, a database); called after close(). */
  cleanUp(): Promise<void>;
}

export interface LocalStoreBackend {
  readonly name: string;
  open(): Promise<OpenedLocalStore>;
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

async function refusal(promise: Promise<unknown>): Promise<LocalStoreErrorCode> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(LocalStoreError);
    return (error as LocalStoreError).code;
  }
  throw new Error('expected a LocalStoreError, but the call succeeded');
}

/** Describes the contract once per backend; call it from a test file. */
export function describeLocalStoreContract(backends: readonly LocalStoreBackend[]): void {
  describe.each(backends)('LocalStore contract: $name', (backend) => {
    let opened: OpenedLocalStore;
    let store: LocalStore;

    beforeEach(async () => {
      opened = await backend.open();
      store = opened.store;
    });

    afterEach(async () => {
      await store.close();
      await opened.cleanUp();
    });

    it('returns null for a key that was never written', async () => {
      expect(await store.get('groups', 'nothing-here')).toBeNull();
    });

    it('returns what was put, and the latest put wins', async () => {
      await store.put('groups', 'g1', bytes('epoch 1'));
      expect(await store.get('groups', 'g1')).toEqual(bytes('epoch 1'));
      await store.put('groups', 'g1', bytes('epoch 2'));
      expect(await store.get('groups', 'g1')).toEqual(bytes('epoch 2'));
    });

    it('keeps the same key in different collections apart', async () => {
      await store.put('groups', 'same', bytes('group'));
      await store.put('pins', 'same', bytes('pin'));
      expect(await store.get('groups', 'same')).toEqual(bytes('group'));
      expect(await store.get('pins', 'same')).toEqual(bytes('pin'));
      expect(await store.list('cursors')).toEqual([]);
    });

    it('stores empty values and every byte value unchanged', async () => {
      const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);
      await store.put('messages', 'empty', new Uint8Array(0));
      await store.put('messages', 'all', everyByte);
      expect(await store.get('messages', 'empty')).toEqual(new Uint8Array(0));
      expect(await store.get('messages', 'all')).toEqual(everyByte);
    });

    it('is not changed by later changes to the arrays passed in or handed out', async () => {
      const value = bytes('original');
      await store.put('profile', 'p', value);
      value.fill(0);
      const read = await store.get('profile', 'p');
      read?.fill(0);
      expect(await store.get('profile', 'p')).toEqual(bytes('original'));
    });

    it('deletes a record, and deleting a missing key is not an error', async () => {
      await store.put('outbox', 'm1', bytes('x'));
      await store.delete('outbox', 'm1');
      expect(await store.get('outbox', 'm1')).toBeNull();
      expect(await store.list('outbox')).toEqual([]);
      await store.delete('outbox', 'never-there');
    });

    it('lists keys in code-unit order, whatever the order of writing', async () => {
      const keys = ['b', 'a/10', 'B', 'a/2', 'a', 'ä', '\u{1F600}', '\uFFFD', 'a/1', '0', '-', '_'];
      for (const key of keys) await store.put('messages', key, bytes(key));
      const expected = [...keys].sort();
      // Code units, not code points: the emoji's high surrogate (D83D) sorts before U+FFFD.
      expect(expected.indexOf('\u{1F600}')).toBeLessThan(expected.indexOf('\uFFFD'));
      expect(await store.list('messages')).toEqual(expected);
    });

    it('lists only the keys that start with the prefix', async () => {
      for (const key of ['c1/0001', 'c1/0002', 'c10/0001', 'c2/0001', 'c1']) {
        await store.put('messages', key, bytes(key));
      }
      expect(await store.list('messages', { prefix: 'c1/' })).toEqual(['c1/0001', 'c1/0002']);
      expect(await store.list('messages', { prefix: 'c1' })).toEqual([
        'c1',
        'c1/0001',
        'c1/0002',
        'c10/0001',
      ]);
      expect(await store.list('messages', { prefix: 'x' })).toEqual([]);
      expect(await store.list('messages', { prefix: '' })).toHaveLength(5);
    });

    it('keeps keys that look like paths, and apart from each other', async () => {
      const keys = ['../escape', '/etc/passwd', '..', '.', 'a/../b', 'a\\b', 'a\u0000b', 'A', 'a'];
      for (const key of keys) await store.put('pins', key, bytes(`value of ${key}`));
      for (const key of keys)
        expect(await store.get('pins', key)).toEqual(bytes(`value of ${key}`));
      expect(await store.list('pins')).toEqual([...keys].sort());
    });

    it('applies a transaction across collections, in order', async () => {
      await store.put('key-packages', 'kp1', bytes('private half'));
      await store.transaction([
        { type: 'put', collection: 'groups', key: 'g1', value: bytes('state after welcome') },
        { type: 'delete', collection: 'key-packages', key: 'kp1' },
        { type: 'put', collection: 'cursors', key: 'c1', value: bytes('1') },
        { type: 'put', collection: 'cursors', key: 'c1', value: bytes('7') },
        { type: 'put', collection: 'messages', key: 'gone', value: bytes('x') },
        { type: 'delete', collection: 'messages', key: 'gone' },
      ]);
      expect(await store.get('groups', 'g1')).toEqual(bytes('state after welcome'));
      expect(await store.get('key-packages', 'kp1')).toBeNull();
      expect(await store.get('cursors', 'c1')).toEqual(bytes('7'));
      expect(await store.get('messages', 'gone')).toBeNull();
    });

    it('accepts an empty transaction', async () => {
      await store.transaction([]);
      expect(await store.list('groups')).toEqual([]);
    });

    it('applies nothing of a transaction that holds one invalid operation', async () => {
      await store.put('groups', 'g1', bytes('epoch 1'));
      const valid: StoreOperation[] = [
        { type: 'put', collection: 'groups', key: 'g1', value: bytes('epoch 2') },
        { type: 'put', collection: 'cursors', key: 'c1', value: bytes('5') },
      ];
      const tooLarge = new Uint8Array(store.limits.maxValueBytes + 1);
      const invalid: StoreOperation[] = [
        { type: 'put', collection: 'messages', key: 'm', value: tooLarge },
        { type: 'delete', collection: 'messages', key: '' },
        { type: 'delete', collection: 'nope' as 'messages', key: 'm' },
      ];
      for (const operation of invalid) {
        expect(await refusal(store.transaction([...valid, operation]))).toMatch(
          /^(value_too_large|invalid_key|invalid_collection)$/,
        );
      }
      expect(await store.get('groups', 'g1')).toEqual(bytes('epoch 1'));
      expect(await store.get('cursors', 'c1')).toBeNull();
    });

    it('shows a concurrent reader all of a transaction or none of it', async () => {
      await store.put('groups', 'g', bytes('old'));
      await store.put('cursors', 'c', bytes('old'));
      const transaction = store.transaction([
        { type: 'put', collection: 'groups', key: 'g', value: bytes('new') },
        { type: 'put', collection: 'cursors', key: 'c', value: bytes('new') },
      ]);
      const [group, cursor] = await Promise.all([
        store.get('groups', 'g'),
        store.get('cursors', 'c'),
        transaction,
      ]);
      expect(group).toEqual(cursor);
      expect(await store.get('cursors', 'c')).toEqual(bytes('new'));
    });

    it('keeps every one of many concurrent writes', async () => {
      const keys = Array.from({ length: 50 }, (_, i) => `m${String(i).padStart(3, '0')}`);
      await Promise.all(keys.map((key) => store.put('messages', key, bytes(key))));
      expect(await store.list('messages')).toEqual(keys);
    });

    it('accepts a value of exactly maxValueBytes and refuses one byte more', async () => {
      const max = new Uint8Array(store.limits.maxValueBytes).fill(7);
      await store.put('groups', 'big', max);
      expect((await store.get('groups', 'big'))?.length).toBe(store.limits.maxValueBytes);
      const over = new Uint8Array(store.limits.maxValueBytes + 1);
      expect(await refusal(store.put('groups', 'bigger', over))).toBe('value_too_large');
      expect(await store.get('groups', 'bigger')).toBeNull();
    });

    it('accepts a key of maxKeyLength and refuses longer, empty and malformed keys', async () => {
      const longest = 'k'.repeat(store.limits.maxKeyLength);
      await store.put('pins', longest, bytes('ok'));
      expect(await store.list('pins')).toEqual([longest]);
      for (const key of [longest + 'k', '', 'lone \uD800 surrogate']) {
        expect(await refusal(store.put('pins', key, bytes('x')))).toBe('invalid_key');
        expect(await refusal(store.get('pins', key))).toBe('invalid_key');
      }
      expect(await refusal(store.list('pins', { prefix: longest + 'k' }))).toBe('invalid_key');
    });

    it('refuses collections it does not know', async () => {
      const unknown = '../data' as 'groups';
      expect(await refusal(store.put(unknown, 'k', bytes('x')))).toBe('invalid_collection');
      expect(await refusal(store.get(unknown, 'k'))).toBe('invalid_collection');
      expect(await refusal(store.list(unknown))).toBe('invalid_collection');
    });

    it('refuses transactions over the operation or byte limit', async () => {
      const { maxTransactionOperations, maxTransactionBytes, maxValueBytes } = store.limits;
      const many = Array.from({ length: maxTransactionOperations + 1 }, (_, i): StoreOperation => ({
        type: 'delete',
        collection: 'messages',
        key: `m${i}`,
      }));
      expect(await refusal(store.transaction(many))).toBe('transaction_too_large');
      const value = new Uint8Array(maxValueBytes);
      const heavy = Array.from(
        { length: Math.floor(maxTransactionBytes / maxValueBytes) + 1 },
        (_, i): StoreOperation => ({ type: 'put', collection: 'messages', key: `m${i}`, value }),
      );
      expect(await refusal(store.transaction(heavy))).toBe('transaction_too_large');
      expect(await store.list('messages')).toEqual([]);
    });

    it('refuses every call after close', async () => {
      await store.put('profile', 'p', bytes('x'));
      await store.close();
      expect(await refusal(store.get('profile', 'p'))).toBe('closed');
      expect(await refusal(store.put('profile', 'p', bytes('y')))).toBe('closed');
      expect(await refusal(store.delete('profile', 'p'))).toBe('closed');
      expect(await refusal(store.list('profile'))).toBe('closed');
      expect(
        await refusal(store.transaction([{ type: 'delete', collection: 'profile', key: 'p' }])),
      ).toBe('closed');
    });
  });
}
