import type { MessageContent } from '@amtsbote/protocol';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory-store.js';
import { applyContent, type MessageSender } from './apply-content.js';
import { MessageStore } from './message-store.js';

const CONVERSATION = '6f1c2a9e-0d7b-4e53-9a3c-1f2e3d4c5b6a';
const anna: MessageSender = {
  userId: '0b0e7a52-5b8f-4a8e-8d39-7f3c2f7d9a01',
  deviceId: '1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d',
};
const bernd: MessageSender = {
  userId: '9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f',
  deviceId: '2b3c4d5e-6f7a-4b2c-9d3e-4f5a6b7c8d9e',
};

interface Log {
  readonly messages: MessageStore;
  /** Applies messages in order, each at the next seq; returns the ids it gave them. */
  readonly play: (items: readonly [MessageSender, MessageContent][]) => Promise<string[]>;
}

function newLog(): Log {
  const store = new MemoryStore();
  const messages = new MessageStore(store);
  let seq = 0;
  return {
    messages,
    play: async (items) => {
      const ids: string[] = [];
      for (const [sender, content] of items) {
        seq += 1;
        const messageId = crypto.randomUUID();
        ids.push(messageId);
        const operations = await applyContent(messages, {
          conversationId: CONVERSATION,
          messageId,
          seq,
          sentAt: new Date(Date.UTC(2026, 10, 23, 9, seq)).toISOString(),
          sender,
          content,
        });
        await store.transaction(operations);
      }
      return ids;
    },
  };
}

const text = (value: string): MessageContent => ({
  type: 'text',
  text: value,
  mentions: [],
  replyTo: null,
  isUrgent: false,
  attachments: [],
});

describe('applyContent', () => {
  it('lets only the author edit or delete a message, and a deletion erases it', async () => {
    const { messages, play } = newLog();
    const [first, second] = await play([
      [anna, text('Entwurf')],
      [bernd, text('Antwort')],
    ]);
    await play([
      [bernd, { type: 'edit', target: first!, text: 'gefälscht' }],
      [anna, { type: 'delete', target: second! }],
      [anna, { type: 'edit', target: first!, text: 'Endfassung' }],
      [bernd, { type: 'reaction', target: second!, emoji: '👍', isRemoved: false }],
      [bernd, { type: 'delete', target: second! }],
    ]);
    const [edited, deleted] = await messages.messages(CONVERSATION);
    expect(edited).toMatchObject({ content: { text: 'Endfassung' }, isDeleted: false });
    expect(edited?.editedAt).not.toBeNull();
    expect(deleted).toMatchObject({ content: null, isDeleted: true, reactions: {} });
  });

  it('aggregates reactions per emoji and takes them back', async () => {
    const { messages, play } = newLog();
    const [target] = await play([[anna, text('Mittagessen?')]]);
    await play([
      [anna, { type: 'reaction', target: target!, emoji: '👍', isRemoved: false }],
      [bernd, { type: 'reaction', target: target!, emoji: '👍', isRemoved: false }],
      [bernd, { type: 'reaction', target: target!, emoji: '🎉', isRemoved: false }],
      [bernd, { type: 'reaction', target: target!, emoji: '🎉', isRemoved: true }],
      [anna, { type: 'reaction', target: target!, emoji: '👍', isRemoved: false }],
    ]);
    const [message] = await messages.messages(CONVERSATION);
    expect(message?.reactions).toEqual({ '👍': [bernd.userId, anna.userId] });
  });

  it('moves a read marker only forward and ignores changes to unknown messages', async () => {
    const { messages, play } = newLog();
    const [early, late] = await play([
      [anna, text('eins')],
      [anna, text('zwei')],
    ]);
    const unknown = crypto.randomUUID();
    const controls = await play([
      [bernd, { type: 'read', upTo: late! }],
      [bernd, { type: 'read', upTo: early! }],
      [bernd, { type: 'edit', target: unknown, text: 'ins Leere' }],
    ]);
    expect(await messages.readMarkers(CONVERSATION)).toEqual({
      [bernd.userId]: { messageId: late, seq: 2 },
    });
    expect(await messages.messages(CONVERSATION)).toHaveLength(2);
    // Control messages are remembered by id, so they are recognised when they come again.
    expect(await messages.seenAt(CONVERSATION, controls[2]!)).toBe(5);
  });
});
