import { generateStorageKeyBytes, importStorageKey, type StorageKey } from '@amtsbote/crypto';
import type { ConversationId, MessageId } from '@amtsbote/protocol';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EncryptedStore } from './encrypted-store.js';
import type { LocalStore } from './local-store.js';
import { LocalStoreError, type LocalStoreErrorCode } from './local-store-error.js';
import { MemoryStore } from './memory-store.js';
import { FileStore } from './node/file-store.js';
import { MAX_OUTBOX_PAYLOAD_BYTES, Outbox, type OutboxEntry } from './outbox.js';

const conversation = globalThis.crypto.randomUUID() as ConversationId;
const newMessageId = (): MessageId => globalThis.crypto.randomUUID() as MessageId;
const entry = (text: string, conversationId = conversation): OutboxEntry => ({
  conversationId,
  messageId: newMessageId(),
  payload: new TextEncoder().encode(text),
});
const texts = (entries: readonly OutboxEntry[]): string[] =>
  entries.map((e) => new TextDecoder().decode(e.payload));

async function refusal(promise: Promise<unknown>): Promise<LocalStoreErrorCode> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(LocalStoreError);
    return (error as LocalStoreError).code;
  }
  throw new Error('expected a LocalStoreError, but the call succeeded');
}

describe('Outbox', () => {
  let store: MemoryStore;
  let outbox: Outbox;

  beforeEach(() => {
    store = new MemoryStore();
    outbox = new Outbox(store);
  });

  it('hands out pending entries in the order they were enqueued', async () => {
    const words = ['eins', 'zwei', 'drei', 'vier', 'fünf', 'sechs', 'sieben', 'acht'];
    for (const word of words) await outbox.enqueue(entry(word));
    expect(texts(await outbox.pending())).toEqual(words);
  });

  it('keeps the order of entries enqueued concurrently as they were called', async () => {
    const words = Array.from({ length: 20 }, (_, i) => `m${i}`);
    await Promise.all(words.map((word) => outbox.enqueue(entry(word))));
    expect(texts(await outbox.pending())).toEqual(words);
  });

  it('removes an entry when it is marked sent, and keeps the others in order', async () => {
    const [a, b, c] = [entry('a'), entry('b'), entry('c')];
    for (const e of [a, b, c]) await outbox.enqueue(e);
    await outbox.markSent(b.messageId);
    expect(texts(await outbox.pending())).toEqual(['a', 'c']);
    await outbox.markSent(b.messageId);
    await outbox.markSent(newMessageId());
    expect(await outbox.pending()).toEqual([a, c]);
  });

  it('stores an entry enqueued twice once, and refuses the same id with other content', async () => {
    const e = entry('hello');
    await outbox.enqueue(e);
    await outbox.enqueue({ ...e, payload: e.payload.slice() });
    expect(await outbox.pending()).toEqual([e]);
    expect(await refusal(outbox.enqueue({ ...e, payload: new Uint8Array([1]) }))).toBe(
      'message_id_conflict',
    );
    const elsewhere = globalThis.crypto.randomUUID() as ConversationId;
    expect(await refusal(outbox.enqueue({ ...e, conversationId: elsewhere }))).toBe(
      'message_id_conflict',
    );
  });

  it('refuses ids that are not UUIDs and payloads over the limit', async () => {
    expect(await refusal(outbox.enqueue({ ...entry('x'), messageId: '../x' as MessageId }))).toBe(
      'invalid_key',
    );
    expect(
      await refusal(outbox.enqueue({ ...entry('x'), conversationId: 'c' as ConversationId })),
    ).toBe('invalid_value');
    const big = { ...entry(''), payload: new Uint8Array(MAX_OUTBOX_PAYLOAD_BYTES + 1) };
    expect(await refusal(outbox.enqueue(big))).toBe('value_too_large');
    await outbox.enqueue({ ...big, payload: new Uint8Array(MAX_OUTBOX_PAYLOAD_BYTES) });
    expect(await outbox.pending()).toHaveLength(1);
  });

  it('refuses a stored entry that names another message than its key', async () => {
    const [a, b] = [entry('a'), entry('b')];
    await outbox.enqueue(a);
    await store.put(
      'outbox',
      b.messageId,
      (await store.get('outbox', a.messageId)) ?? new Uint8Array(0),
    );
    expect(await refusal(outbox.pending())).toBe('corrupt_record');
  });

  it('refuses a stored entry whose payload is not canonical base64url', async () => {
    const a = entry('a');
    await outbox.enqueue(a);
    const record = JSON.parse(
      new TextDecoder().decode((await store.get('outbox', a.messageId)) ?? undefined),
    ) as Record<string, unknown>;
    await store.put(
      'outbox',
      a.messageId,
      new TextEncoder().encode(JSON.stringify({ ...record, payload: 'YR' })),
    );
    expect(await refusal(outbox.pending())).toBe('corrupt_record');
  });
});

describe('Outbox on a FileStore', () => {
  let parent: string;
  let stores: LocalStore[];
  let key: StorageKey;

  const open = async (): Promise<LocalStore> => {
    const store = new EncryptedStore(await FileStore.open(join(parent, 'profile')), key);
    stores.push(store);
    return store;
  };

  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'amtsbote-outbox-'));
    key = await importStorageKey(generateStorageKeyBytes());
    stores = [];
  });

  afterEach(async () => {
    for (const store of stores) await store.close();
    await rm(parent, { recursive: true, force: true });
  });

  it('keeps pending entries and their order across close and reopen', async () => {
    const first = await open();
    const outbox = new Outbox(first);
    const entries = ['erster', 'zweiter', 'dritter'].map((word) => entry(word));
    for (const e of entries) await outbox.enqueue(e);
    await first.close();

    const reopened = new Outbox(await open());
    expect(await reopened.pending()).toEqual(entries);
  });

  it('enqueues after a reopen behind the entries already pending', async () => {
    const first = await open();
    const before = new Outbox(first);
    const [a, b, c] = [entry('a'), entry('b'), entry('c')];
    for (const e of [a, b, c]) await before.enqueue(e);
    await before.markSent(a.messageId);
    await first.close();

    const after = new Outbox(await open());
    const d = entry('d');
    await after.enqueue(d);
    expect(await after.pending()).toEqual([b, c, d]);
  });
});
