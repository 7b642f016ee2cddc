import type {
  ConversationSummary,
  MessagingClient,
  MessagingEvent,
  TimelineItem,
} from '@amtsbote/client';
import { useEffect, useRef, useState } from 'react';

/** What the conversation list shows of a conversation besides its name. */
export interface ConversationPreview {
  readonly lastText: string | null;
  readonly lastSenderId: string | null;
  readonly lastAt: string | null;
  /** Messages of others after this user's read marker, among the newest UNREAD_COUNTED after it. */
  readonly unread: number;
  /** Whether more messages follow the marker than were read: the count is a lower bound. */
  readonly isUnreadCapped: boolean;
}

/** How many messages after the read marker are read to count the unread ones. */
export const UNREAD_COUNTED = 99;

type MessageItem = Extract<TimelineItem, { kind: 'message' }>;

async function previewOf(
  client: MessagingClient,
  conversationId: string,
  ownUserId: string,
): Promise<ConversationPreview> {
  // Only the newest message and those after the read marker are read, never the whole history.
  const markers = await client.readMarkers(conversationId);
  const readSeq = markers[ownUserId]?.seq ?? -1;
  const [newest, unread] = await Promise.all([
    client.timelinePage(conversationId, { limit: 1 }),
    client.timelinePage(conversationId, { afterSeq: readSeq, limit: UNREAD_COUNTED }),
  ]);
  const isMessage = (item: TimelineItem): item is MessageItem => item.kind === 'message';
  const last = newest.items.filter(isMessage).at(-1) ?? null;
  return {
    lastText: last?.content?.type === 'text' && !last.isDeleted ? last.content.text : null,
    lastSenderId: last?.sender.userId ?? null,
    lastAt: last?.sentAt ?? null,
    unread: unread.items.filter((m) => isMessage(m) && m.sender.userId !== ownUserId).length,
    isUnreadCapped: unread.hasOlder,
  };
}

/** The preview after one more message, without reading the conversation again. */
function withMessage(
  preview: ConversationPreview | undefined,
  event: Extract<MessagingEvent, { type: 'message' }>,
  isOpen: boolean,
): ConversationPreview {
  const isOther = !event.isOwn;
  return {
    lastText: event.content.type === 'text' ? event.content.text : (preview?.lastText ?? null),
    lastSenderId:
      event.content.type === 'text' ? event.sender.userId : (preview?.lastSenderId ?? null),
    lastAt: event.content.type === 'text' ? event.sentAt : (preview?.lastAt ?? null),
    unread: isOpen
      ? 0
      : (preview?.unread ?? 0) + (isOther && event.content.type === 'text' ? 1 : 0),
    isUnreadCapped: !isOpen && preview?.isUnreadCapped === true,
  };
}

/**
 * Previews of the conversations, decrypted on this device (from its own store; nothing is asked
 * of the server). Each conversation is read once when the list changes; after that, arriving
 * messages update its preview from the event alone, so a long conversation costs nothing per
 * message. The open conversation counts as read.
 */
export function useConversationPreviews(
  client: MessagingClient,
  conversations: readonly ConversationSummary[],
  ownUserId: string,
  openConversationId: string | null,
): ReadonlyMap<string, ConversationPreview> {
  const [previews, setPreviews] = useState<ReadonlyMap<string, ConversationPreview>>(new Map());
  const open = useRef(openConversationId);
  open.current = openConversationId;

  // Read again only when the set of conversations changes, not when the list is re-read.
  const ids = conversations.map((c) => c.conversationId).join(',');
  useEffect(() => {
    let isCurrent = true;
    void Promise.all(
      (ids === '' ? [] : ids.split(',')).map(
        async (id) => [id, await previewOf(client, id, ownUserId)] as const,
      ),
    ).then(
      (entries) => {
        if (isCurrent) setPreviews(new Map(entries));
      },
      () => undefined,
    );
    return () => {
      isCurrent = false;
    };
  }, [client, ids, ownUserId]);

  useEffect(
    () =>
      client.subscribe((event) => {
        if (event.type !== 'message') return;
        setPreviews((current) => {
          const next = new Map(current);
          const isOpen = open.current === event.conversationId;
          next.set(
            event.conversationId,
            withMessage(current.get(event.conversationId), event, isOpen),
          );
          return next;
        });
      }),
    [client],
  );

  useEffect(() => {
    if (openConversationId === null) return;
    setPreviews((current) => {
      const preview = current.get(openConversationId);
      if (preview === undefined || preview.unread === 0) return current;
      return new Map(current).set(openConversationId, {
        ...preview,
        unread: 0,
        isUnreadCapped: false,
      });
    });
  }, [openConversationId]);

  return previews;
}
