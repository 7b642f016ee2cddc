import type { MessageContent, SyncEventType } from '@amtsbote/protocol';
import type { FailureRecord, MessageRecord, MessageStore, ReadMarkers } from './message-store.js';
import type { SeqWindow } from './seq-window.js';
import type { MembershipChangeKind } from './membership-log.js';
import type { MemberRef } from './messaging-events.js';

/*
 * The local view of a conversation: its messages in seq order with edits and deletions applied
 * (a deleted message is a tombstone without content), reactions aggregated per emoji, and the
 * events that could not be decrypted or were invalid, shown where they happened.
 */

export type TimelineItem =
  | {
      readonly kind: 'message';
      readonly messageId: string;
      readonly seq: number;
      readonly sentAt: string;
      readonly sender: MemberRef;
      /** null once deleted. */
      readonly content: MessageContent | null;
      readonly isDeleted: boolean;
      readonly editedAt: string | null;
      readonly reactions: readonly {
        readonly emoji: string;
        readonly userIds: readonly string[];
      }[];
      readonly acknowledgedBy: readonly string[];
      /** Channel posts: how many acknowledged, how many members have not yet; null otherwise. */
      readonly acknowledgements: AcknowledgementCounts | null;
    }
  | {
      /** A commit changed who is in the group (membership-log.ts); one item per user. */
      readonly kind: 'membership';
      readonly seq: number;
      readonly sentAt: string;
      readonly change: MembershipChangeKind;
      readonly userId: string;
      readonly deviceIds: readonly string[];
      readonly committer: MemberRef | null;
    }
  | {
      readonly kind: 'undecryptable';
      readonly seq: number;
      readonly sentAt: string;
      readonly eventType: SyncEventType;
      readonly messageId: string | null;
      readonly senderDeviceId: string;
      readonly code: string;
    };

export interface AcknowledgementCounts {
  readonly acknowledged: number;
  /** null while the roster is unknown (not yet read from the server). */
  readonly pending: number | null;
}

/** For channels: the users expected to acknowledge posts (members, not posters), if known. */
export interface ChannelAudience {
  readonly expectedUserIds: readonly string[] | null;
}

function countsOf(
  acknowledgedBy: readonly string[],
  audience: ChannelAudience,
): AcknowledgementCounts {
  const { expectedUserIds } = audience;
  return {
    acknowledged: acknowledgedBy.length,
    pending:
      expectedUserIds === null
        ? null
        : expectedUserIds.filter((id) => !acknowledgedBy.includes(id)).length,
  };
}

/** A stored message as the timeline shows it. */
export function messageItem(m: MessageRecord, channel: ChannelAudience | null): TimelineItem {
  return {
    kind: 'message',
    messageId: m.messageId,
    seq: m.seq,
    sentAt: m.sentAt,
    sender: { userId: m.senderUserId, deviceId: m.senderDeviceId },
    content: m.content,
    isDeleted: m.isDeleted,
    editedAt: m.editedAt,
    reactions: Object.entries(m.reactions)
      .map(([emoji, userIds]) => ({ emoji, userIds }))
      .sort((a, b) => (a.emoji < b.emoji ? -1 : a.emoji > b.emoji ? 1 : 0)),
    acknowledgedBy: m.acknowledgedBy,
    acknowledgements:
      channel !== null && m.content?.type === 'text' ? countsOf(m.acknowledgedBy, channel) : null,
  };
}

function failureItem(f: FailureRecord): TimelineItem {
  return {
    kind: 'undecryptable',
    seq: f.seq,
    sentAt: f.sentAt,
    eventType: f.eventType,
    messageId: f.messageId,
    senderDeviceId: f.senderDeviceId,
    code: f.code,
  };
}

export async function timelineOf(
  messages: MessageStore,
  conversationId: string,
  channel: ChannelAudience | null = null,
): Promise<TimelineItem[]> {
  const items = (await messages.messages(conversationId)).map((m) => messageItem(m, channel));
  items.push(...(await messages.failures(conversationId)).map(failureItem));
  return items.sort((a, b) => a.seq - b.seq);
}

export interface TimelinePage {
  /** In seq order; membership items are added by the caller (membership-log.ts). */
  readonly items: TimelineItem[];
  /** The lowest seq the page covers: pass it as `beforeSeq` for the next older page. */
  readonly fromSeq: number;
  readonly hasOlder: boolean;
}

/**
 * The newest `limit` messages of the window, with the failures between them: the whole stretch
 * from `fromSeq` up to the window's end, so consecutive pages join without gaps.
 */
export async function timelinePageOf(
  messages: MessageStore,
  conversationId: string,
  window: SeqWindow,
  channel: ChannelAudience | null = null,
): Promise<TimelinePage> {
  const page = await messages.messagePage(conversationId, window);
  const stretch = { ...window, afterSeq: page.fromSeq - 1 };
  const items = page.records.map((m) => messageItem(m, channel));
  items.push(...(await messages.failures(conversationId, stretch)).map(failureItem));
  return {
    items: items.sort((a, b) => a.seq - b.seq),
    fromSeq: page.fromSeq,
    hasOlder: page.hasOlder,
  };
}

/** Per member, the newest message they marked as read. */
export async function readMarkersOf(
  messages: MessageStore,
  conversationId: string,
): Promise<ReadMarkers> {
  return messages.readMarkers(conversationId);
}
