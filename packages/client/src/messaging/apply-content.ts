import type { MessageContent } from '@amtsbote/protocol';
import { assertNever } from '../store/assert-never.js';
import type { StoreOperation } from '../store/local-store.js';
import type { MessageRecord, MessageStore } from './message-store.js';

/*
 * What one decrypted message changes in the local view: a new timeline entry (text, metadata),
 * or a change to an earlier one (edit, delete, reaction, acknowledgement) or to the read
 * markers. Only the author may edit or delete their message; a change to a message this device
 * does not have (sent before it joined) is kept as seen and otherwise ignored.
 */

export interface MessageSender {
  readonly userId: string;
  readonly deviceId: string;
}

export interface IncomingContent {
  readonly conversationId: string;
  readonly messageId: string;
  readonly seq: number;
  readonly sentAt: string;
  readonly sender: MessageSender;
  readonly content: MessageContent;
}

function newRecord(input: IncomingContent): MessageRecord {
  return {
    v: 1,
    conversationId: input.conversationId,
    messageId: input.messageId,
    seq: input.seq,
    sentAt: input.sentAt,
    senderUserId: input.sender.userId,
    senderDeviceId: input.sender.deviceId,
    content: input.content,
    isDeleted: false,
    editedAt: null,
    reactions: {},
    acknowledgedBy: [],
  };
}

function withReaction(
  reactions: MessageRecord['reactions'],
  emoji: string,
  userId: string,
  isRemoved: boolean,
): MessageRecord['reactions'] {
  const users = (reactions[emoji] ?? []).filter((id) => id !== userId);
  if (!isRemoved) users.push(userId);
  const others = Object.entries(reactions).filter(([key]) => key !== emoji);
  return Object.fromEntries(users.length === 0 ? others : [...others, [emoji, users]]);
}

/** The changed target, or null when the change does not apply. */
export function changedTarget(target: MessageRecord, input: IncomingContent): MessageRecord | null {
  const { content, sender } = input;
  switch (content.type) {
    case 'edit':
      if (target.isDeleted || target.content?.type !== 'text') return null;
      if (target.senderUserId !== sender.userId) return null;
      return {
        ...target,
        content: { ...target.content, text: content.text },
        editedAt: input.sentAt,
      };
    case 'delete':
      if (target.isDeleted || target.senderUserId !== sender.userId) return null;
      return { ...target, content: null, isDeleted: true, editedAt: null, reactions: {} };
    case 'reaction':
      if (target.isDeleted) return null;
      return {
        ...target,
        reactions: withReaction(target.reactions, content.emoji, sender.userId, content.isRemoved),
      };
    case 'acknowledge':
      if (target.isDeleted || target.acknowledgedBy.includes(sender.userId)) return null;
      return { ...target, acknowledgedBy: [...target.acknowledgedBy, sender.userId] };
    case 'text':
    case 'metadata':
    case 'read':
      return null;
    default:
      return assertNever(content);
  }
}

export async function applyContent(
  messages: MessageStore,
  input: IncomingContent,
): Promise<StoreOperation[]> {
  const { content, conversationId } = input;
  switch (content.type) {
    case 'text':
    case 'metadata':
      return messages.messageOperations(newRecord(input));
    case 'edit':
    case 'delete':
    case 'reaction':
    case 'acknowledge': {
      const operations = [messages.controlOperation(conversationId, input.messageId, input.seq)];
      const target = await messages.message(conversationId, content.target);
      // Kept for the history backup, which may bring the target later (history-restore.ts).
      if (target === null)
        operations.push(messages.pendingControls.operation(content.target, input));
      const changed = target === null ? null : changedTarget(target, input);
      if (changed !== null) operations.push(...messages.messageOperations(changed));
      return operations;
    }
    case 'read': {
      const operations = [messages.controlOperation(conversationId, input.messageId, input.seq)];
      const target = await messages.message(conversationId, content.upTo);
      const markers = await messages.readMarkers(conversationId);
      const current = markers[input.sender.userId];
      if (target !== null && (current === undefined || current.seq < target.seq)) {
        const next = {
          ...markers,
          [input.sender.userId]: { messageId: target.messageId, seq: target.seq },
        };
        operations.push(messages.readMarkersOperation(conversationId, next));
      }
      return operations;
    }
    default:
      return assertNever(content);
  }
}
