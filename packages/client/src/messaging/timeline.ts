import type { MessageContent, SyncEventType } from '@amtsbote/protocol';
import type { MessageStore, ReadMarkers } from './message-store.js';
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

export async function timelineOf(
  messages: MessageStore,
  conversationId: string,
  channel: ChannelAudience | null = null,
): Promise<TimelineItem[]> {
  const items: TimelineItem[] = (await messages.messages(conversationId)).map((m) => ({
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
  }));
  for (const f of await messages.failures(conversationId)) {
    items.push({
      kind: 'undecryptable',
      seq: f.seq,
      sentAt: f.sentAt,
      eventType: f.eventType,
      messageId: f.messageId,
      senderDeviceId: f.senderDeviceId,
      code: f.code,
    });
  }
  return items.sort((a, b) => a.seq - b.seq);
}

/** Per member, the newest message they marked as read. */
export async function readMarkersOf(
  messages: MessageStore,
  conversationId: string,
): Promise<ReadMarkers> {
  return messages.readMarkers(conversationId);
}
