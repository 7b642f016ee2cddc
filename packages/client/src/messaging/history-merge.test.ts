import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  HistoryBlockError,
  blockDigest,
  decodeBlock,
  encodeBlock,
  type BlockMessage,
} from './history-block.js';
import { mergeBlockMessages, mergeMessage } from './history-merge.js';

const conversationId = randomUUID();
const anna = randomUUID();
const bernd = randomUUID();

function message(seq: number, overrides: Partial<BlockMessage> = {}): BlockMessage {
  return {
    messageId: randomUUID(),
    seq,
    sentAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    senderUserId: anna,
    senderDeviceId: randomUUID(),
    content: {
      type: 'text',
      text: `Nachricht ${seq}`,
      mentions: [],
      replyTo: null,
      isUrgent: false,
      attachments: [],
    },
    isDeleted: false,
    editedAt: null,
    reactions: {},
    acknowledgedBy: [],
    ...overrides,
  };
}

const edited = (m: BlockMessage, text: string, at: string): BlockMessage =>
  m.content?.type === 'text' ? { ...m, content: { ...m.content, text }, editedAt: at } : m;
const deleted = (m: BlockMessage): BlockMessage => ({
  ...m,
  content: null,
  isDeleted: true,
  editedAt: null,
  reactions: {},
});

describe('history block encoding', () => {
  it('encodes the same messages to the same bytes, whatever their order and list order', async () => {
    const first = message(3, { reactions: { '👍': [bernd, anna] }, acknowledgedBy: [bernd, anna] });
    const second = message(4);
    const a = { conversationId, block: 0, messages: [first, second] };
    const b = {
      conversationId,
      block: 0,
      messages: [
        second,
        { ...first, reactions: { '👍': [anna, bernd] }, acknowledgedBy: [anna, bernd] },
      ],
    };
    expect(encodeBlock(a)).toEqual(encodeBlock(b));
    expect(await blockDigest(a)).toBe(await blockDigest(b));
    expect(await blockDigest(a)).not.toBe(
      await blockDigest({ ...a, messages: [edited(first, 'anders', first.sentAt), second] }),
    );
  });

  it('decodes what it encoded, for the block it was made for only', () => {
    const content = { conversationId, block: 2, messages: [message(130), message(140)] };
    const bytes = encodeBlock(content);
    expect(decodeBlock(bytes, { conversationId, block: 2 }).messages).toHaveLength(2);
    expect(() => decodeBlock(bytes, { conversationId, block: 3 })).toThrow(HistoryBlockError);
    expect(() => decodeBlock(bytes, { conversationId: randomUUID(), block: 2 })).toThrow(
      HistoryBlockError,
    );
  });

  it('refuses a block with a message outside its window, a seq twice or content in a tombstone', () => {
    const refuse = (messages: BlockMessage[]) => () =>
      decodeBlock(encodeBlock({ conversationId, block: 0, messages }), {
        conversationId,
        block: 0,
      });
    expect(refuse([message(64)])).toThrow(HistoryBlockError);
    expect(refuse([message(5), message(5)])).toThrow(HistoryBlockError);
    expect(refuse([{ ...message(5), isDeleted: true }])).toThrow(HistoryBlockError);
    expect(() =>
      decodeBlock(new TextEncoder().encode('{"v":1'), { conversationId, block: 0 }),
    ).toThrow(HistoryBlockError);
  });
});

describe('mergeMessage', () => {
  it('keeps a deletion from either side: deleted content never comes back', () => {
    const original = message(7);
    expect(mergeMessage(deleted(original), original, false)).toMatchObject({
      isDeleted: true,
      content: null,
    });
    expect(mergeMessage(original, deleted(original), true)).toMatchObject({
      isDeleted: true,
      content: null,
    });
  });

  it('keeps what the device received itself, and takes the backup for what it did not', () => {
    const original = message(7, { reactions: { '👍': [bernd] } });
    const backup = { ...original, reactions: {} };
    expect(mergeMessage(original, backup, true).reactions).toEqual({ '👍': [bernd] });
    expect(mergeMessage(original, backup, false).reactions).toEqual({});
  });

  it('takes the later edit and every acknowledgement for a message from before the floor', () => {
    const original = message(7);
    const early = edited(original, 'erste Fassung', '2026-01-02T00:00:00.000Z');
    const late = {
      ...edited(original, 'zweite Fassung', '2026-01-03T00:00:00.000Z'),
      acknowledgedBy: [bernd],
    };
    const mergedOne = mergeMessage({ ...early, acknowledgedBy: [anna] }, late, false);
    const mergedTwo = mergeMessage(late, early, false);
    expect(mergedOne.content).toMatchObject({ text: 'zweite Fassung' });
    expect(mergedOne.acknowledgedBy).toEqual([anna, bernd].sort());
    expect(mergedTwo.content).toMatchObject({ text: 'zweite Fassung' });
  });

  it('ignores a backup record that disagrees on the sender or position', () => {
    const original = message(7);
    const forged = { ...deleted(original), senderUserId: bernd };
    expect(mergeMessage(original, forged, false)).toMatchObject({ isDeleted: false });
  });
});

describe('mergeBlockMessages', () => {
  it('adds the backup messages the device lacks and keeps one entry per message', () => {
    const before = [message(1), message(2)];
    const mine = message(9);
    const merged = mergeBlockMessages([mine, before[0] as BlockMessage], [...before, mine], 5);
    expect(merged.map((m) => m.seq)).toEqual([1, 2, 9]);
  });

  it('skips a backup message at a seq where the device holds another message', () => {
    const mine = message(9);
    const other = message(9);
    expect(mergeBlockMessages([mine], [other], 5).map((m) => m.messageId)).toEqual([
      mine.messageId,
    ]);
  });
});
