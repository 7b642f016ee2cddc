import type { MessagingClient, TimelineItem } from '@amtsbote/client';
import { useEffect, useMemo, useState } from 'react';

type MessageItem = Extract<TimelineItem, { kind: 'message' }>;

/**
 * The messages that replies quote: taken from the items the view holds, and read from the
 * client when a reply quotes a message older than the view's window.
 */
export function useQuotedMessages(
  client: MessagingClient,
  conversationId: string,
  items: readonly TimelineItem[],
): ReadonlyMap<string, MessageItem> {
  const [fetched, setFetched] = useState<ReadonlyMap<string, MessageItem>>(new Map());

  const held = useMemo(
    () =>
      new Map(
        items.flatMap((item) => (item.kind === 'message' ? [[item.messageId, item] as const] : [])),
      ),
    [items],
  );

  const missing = useMemo(() => {
    const ids = new Set<string>();
    for (const item of items) {
      const replyTo =
        item.kind === 'message' && item.content?.type === 'text' ? item.content.replyTo : null;
      if (replyTo !== null && !held.has(replyTo) && !fetched.has(replyTo)) ids.add(replyTo);
    }
    return [...ids].sort().join(' ');
  }, [items, held, fetched]);

  useEffect(() => {
    if (missing === '') return;
    let isCurrent = true;
    void Promise.all(
      missing.split(' ').map((id) => client.timelineMessage(conversationId, id)),
    ).then(
      (found) => {
        if (!isCurrent) return;
        setFetched((current) => {
          const next = new Map(current);
          for (const item of found) if (item?.kind === 'message') next.set(item.messageId, item);
          return next;
        });
      },
      () => undefined,
    );
    return () => {
      isCurrent = false;
    };
  }, [client, conversationId, missing]);

  useEffect(() => {
    setFetched(new Map());
  }, [conversationId]);

  return useMemo(() => new Map([...fetched, ...held]), [fetched, held]);
}
