import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JsonCollection } from './json-collection.js';
import { LocalStoreError, type LocalStoreErrorCode } from './local-store-error.js';
import { MemoryStore } from './memory-store.js';

const cursorSchema = z.strictObject({
  seq: z.number().int().min(0),
  acknowledgedAt: z.iso.datetime(),
});
type Cursor = z.infer<typeof cursorSchema>;

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

async function refusal(promise: Promise<unknown>): Promise<LocalStoreError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LocalStoreError);
  return error as LocalStoreError;
}

function refusalOf(call: () => unknown): LocalStoreErrorCode {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(LocalStoreError);
    return (error as LocalStoreError).code;
  }
  throw new Error('expected a LocalStoreError, but the call succeeded');
}

describe('JsonCollection', () => {
  let store: MemoryStore;
  let cursors: JsonCollection<Cursor>;
  const cursor: Cursor = { seq: 42, acknowledgedAt: '2026-11-23T10:00:00Z' };

  beforeEach(() => {
    store = new MemoryStore();
    cursors = new JsonCollection(store, 'cursors', cursorSchema);
  });

  it('round-trips a record as UTF-8 JSON', async () => {
    await cursors.put('c1', cursor);
    expect(await cursors.get('c1')).toEqual(cursor);
    expect(new TextDecoder().decode((await store.get('cursors', 'c1')) ?? undefined)).toBe(
      JSON.stringify(cursor),
    );
    expect(await cursors.get('c2')).toBeNull();
    expect(await cursors.keys()).toEqual(['c1']);
    await cursors.delete('c1');
    expect(await cursors.keys()).toEqual([]);
  });

  it('refuses a stored record of another shape, naming each bad field', async () => {
    await store.put('cursors', 'c1', bytes('{"seq":-1,"acknowledgedAt":"yesterday","extra":1}'));
    const error = await refusal(cursors.get('c1'));
    expect(error.code).toBe('corrupt_record');
    expect(error.message).toContain('cursors/c1');
    expect(error.message).toContain('seq:');
    expect(error.message).toContain('acknowledgedAt:');
    expect(error.message).toContain('(root):');
  });

  it('refuses stored bytes that are not JSON or not UTF-8', async () => {
    for (const stored of [bytes('{"seq":'), bytes(''), new Uint8Array([0x7b, 0xff, 0x7d])]) {
      await store.put('cursors', 'c1', stored);
      expect((await refusal(cursors.get('c1'))).code).toBe('corrupt_record');
    }
  });

  it('refuses to write a record that it could not read back, and writes nothing', async () => {
    const invalid = [
      { seq: 1.5, acknowledgedAt: cursor.acknowledgedAt },
      { seq: Number.NaN, acknowledgedAt: cursor.acknowledgedAt },
      undefined,
    ] as unknown as Cursor[];
    for (const value of invalid) {
      expect((await refusal(cursors.put('c1', value))).code).toBe('invalid_value');
      expect(refusalOf(() => cursors.putOperation('c1', value))).toBe('invalid_value');
    }
    expect(await store.list('cursors')).toEqual([]);
  });

  it('builds operations that a transaction applies together with other collections', async () => {
    await cursors.put('old', cursor);
    await store.transaction([
      cursors.putOperation('c1', { ...cursor, seq: 43 }),
      cursors.deleteOperation('old'),
      { type: 'put', collection: 'messages', key: 'c1/43', value: bytes('hello') },
    ]);
    expect(await cursors.get('c1')).toEqual({ ...cursor, seq: 43 });
    expect(await cursors.get('old')).toBeNull();
    expect(await store.get('messages', 'c1/43')).toEqual(bytes('hello'));
  });
});
