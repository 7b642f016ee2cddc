import type { ConversationSummary, MessagingClient, TimelineItem } from '@amtsbote/client';
import { useEffect, useState } from 'react';

/** What the conversation list shows of a conversation besides its name. */
export interface ConversationPreview {
  readonly lastText: string | null;
  readonly lastSenderId: string | null;
  readonly lastAt: string | null;
  /** Messages of others after this user's read marker. */
  readonly unread: number;
}

type MessageItem = Extract<TimelineItem, { kind: 'message' }>;

async function previewOf(
  client: MessagingClient,
  conversationId: string,
  ownUserId: string,
): Promise<ConversationPreview> {
  const [timeline, markers] = await Promise.all([
    client.timeline(conversationId),
    client.readMarkers(conversationId),
  ]);
  const messages = timeline.filter((item): item is MessageItem => item.kind === 'message');
  const last = messages.at(-1) ?? null;
  const readSeq = markers[ownUserId]?.seq ?? 0;
  return {
    lastText: last?.content?.type === 'text' && !last.isDeleted ? last.content.text : null,
    lastSenderId: last?.sender.userId ?? null,
    lastAt: last?.sentAt ?? null,
    unread: messages.filter((m) => m.sender.userId !== ownUserId && m.seq > readSeq).length,
  };
}

/**
 * Previews of the conversations, decrypted on this device (from its own store; nothing is
 * asked of the server). Read again whenever `version` changes.
 */
export function useConversationPreviews(
  client: MessagingClient,
  conversations: readonly ConversationSummary[],
  ownUserId: string,
  version: number,
): ReadonlyMap<string, ConversationPreview> {
  const [previews, setPreviews] = useState<ReadonlyMap<string, ConversationPreview>>(new Map());
  useEffect(() => {
    let isCurrent = true;
    void Promise.all(
      conversations.map(
        async (c) =>
          [c.conversationId, await previewOf(client, c.conversationId, ownUserId)] as const,
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
  }, [client, conversations, ownUserId, version]);
  return previews;
}
