import type { MessageContent } from '@amtsbote/protocol';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory-store.js';
import { applyContent } from './apply-content.js';
import { MessageStore, type MessageRecord } from './message-store.js';
import { timelineOf, timelinePageOf } from './timeline.js';

const CONVERSATION = '6f1c2a9e-0d7b-4e53-9a3c-1f2e3d4c5b6a';
const anna = {
  userId: '0b0e7a52-5b8f-4a8e-8d39-7f3c2f7d9a01',
  deviceId: '1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d',
};

const text = (value: string): MessageContent => ({
  type: 'text',
  text: value,
  mentions: [],
  replyTo: null,
  isUrgent: false,
  attachments: [],
});

const sentAt = (seq: number): string => new Date(Date.UTC(2026, 10, 23, 9, 0, seq)).toISOString();

/** A conversation of `count` texts "m1" … at seq 1 …, with a failure at every seq in `failedAt`. */
async function conversation(
  count: number,
  failedAt: readonly number[] = [],
): Promise<{ store: MemoryStore; messages: MessageStore; ids: string[] }> {
  const store = new MemoryStore();
  const messages = new MessageStore(store);
  const ids: string[] = [];
  let seq = 0;
  for (let n = 1; n <= count; n += 1) {
    seq += 1;
    while (failedAt.includes(seq)) {
      await store.transaction([
        messages.failureOperation({
          v: 1,
          conversationId: CONVERSATION,
          seq,
          eventType: 'message',
          messageId: null,
          senderDeviceId: anna.deviceId,
          sentAt: sentAt(seq),
          code: 'decrypt_failed',
        }),
      ]);
      seq += 1;
    }
    const messageId = crypto.randomUUID();
    ids.push(messageId);
    await store.transaction(
      await applyContent(messages, {
        conversationId: CONVERSATION,
        messageId,
        seq,
        sentAt: sentAt(seq),
        sender: anna,
        content: text(`m${String(n)}`),
      }),
    );
  }
  return { store, messages, ids };
}

const texts = (items: readonly { kind: string; content?: MessageContent | null }[]): string[] =>
  items.flatMap((item) =>
    item.kind === 'message' && item.content?.type === 'text' ? [item.content.text] : [],
  );

describe('timeline pages', () => {
  it('reads the newest page, then older pages that join without gaps, down to the first', async () => {
    const { messages } = await conversation(10, [4]);
    const newest = await timelinePageOf(messages, CONVERSATION, { limit: 4 });
    expect(texts(newest.items)).toEqual(['m7', 'm8', 'm9', 'm10']);
    expect(newest.hasOlder).toBe(true);
    expect(newest.fromSeq).toBe(8);

    const older = await timelinePageOf(messages, CONVERSATION, {
      beforeSeq: newest.fromSeq,
      limit: 4,
    });
    expect(texts(older.items)).toEqual(['m3', 'm4', 'm5', 'm6']);
    // The failure at seq 4 lies between m3 (seq 3) and m4 (seq 5): it belongs to this page.
    expect(older.items.map((item) => [item.kind, item.seq])).toEqual([
      ['message', 3],
      ['undecryptable', 4],
      ['message', 5],
      ['message', 6],
      ['message', 7],
    ]);
    expect(older.hasOlder).toBe(true);

    const oldest = await timelinePageOf(messages, CONVERSATION, {
      beforeSeq: older.fromSeq,
      limit: 4,
    });
    expect(texts(oldest.items)).toEqual(['m1', 'm2']);
    expect(oldest.hasOlder).toBe(false);
    expect(oldest.fromSeq).toBe(0);

    // Together, the pages are the whole timeline.
    const whole = await timelineOf(messages, CONVERSATION);
    expect([...oldest.items, ...older.items, ...newest.items]).toEqual(whole);
  });

  it('reads what arrived after a seq, and a window holding fewer messages than the limit', async () => {
    const { messages } = await conversation(6);
    const since = await timelinePageOf(messages, CONVERSATION, { afterSeq: 4, limit: 50 });
    expect(texts(since.items)).toEqual(['m5', 'm6']);
    expect(since.hasOlder).toBe(false);
    expect(since.fromSeq).toBe(5);
    const nothing = await timelinePageOf(messages, CONVERSATION, { afterSeq: 6, limit: 50 });
    expect(nothing.items).toEqual([]);
  });

  it('shows edits and deletions of paged messages', async () => {
    const { store, messages, ids } = await conversation(3);
    const target = ids[2] ?? '';
    await store.transaction(
      await applyContent(messages, {
        conversationId: CONVERSATION,
        messageId: crypto.randomUUID(),
        seq: 4,
        sentAt: sentAt(4),
        sender: anna,
        content: { type: 'edit', target, text: 'm3, corrected' },
      }),
    );
    const page = await timelinePageOf(messages, CONVERSATION, { limit: 2 });
    expect(texts(page.items)).toEqual(['m2', 'm3, corrected']);
  });

  it('indexes messages stored before the index existed, and drops entries of moved messages', async () => {
    const { store, messages } = await conversation(5);
    // Remove the index entries, as a store written by an earlier version has none.
    const indexKeys = (await store.list('messages', { prefix: `s/${CONVERSATION}/` })).slice(0, 3);
    expect(indexKeys).toHaveLength(3);
    for (const key of indexKeys) await store.delete('messages', key);
    // A message that moved to another seq (seq 2 → 9) leaves its old entry behind.
    const moved = (await messages.messages(CONVERSATION)).find((m) => m.seq === 4);
    if (moved === undefined) throw new Error('no message at seq 4');
    const movedRecord: MessageRecord = { ...moved, seq: 9 };
    await store.transaction(messages.messageOperations(movedRecord));

    const reopened = new MessageStore(store);
    const page = await timelinePageOf(reopened, CONVERSATION, { limit: 10 });
    expect(page.items.map((item) => item.seq)).toEqual([1, 2, 3, 5, 9]);
    expect(texts(page.items)).toEqual(['m1', 'm2', 'm3', 'm5', 'm4']);
    expect(await store.list('messages', { prefix: `s/${CONVERSATION}/` })).toHaveLength(5);
  });
});
