import type { MessagingClient, MessagingEvent } from '@amtsbote/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import {
  EMPTY_WINDOW,
  newestSeq,
  windowOf,
  withMessage,
  withNewer,
  withOlder,
  type TimelineWindow,
} from './timeline-window.js';

/** Messages read when a conversation opens, and per older page as the reader scrolls up. */
const FIRST_PAGE = 60;
const OLDER_PAGE = 200;

export interface TimelineWindowView extends TimelineWindow {
  readonly isLoadingOlder: boolean;
  /** Reads the next older page, unless one is being read or there is none. */
  readonly loadOlder: () => void;
  /** Reads what this device stored since the newest item, and the message `changedId` again. */
  readonly refresh: (changedId?: string) => void;
}

/** The message whose state an event changed, for content that changes another message. */
function changedMessageId(event: MessagingEvent): string | null {
  if (event.type !== 'message') return null;
  const { content } = event;
  switch (content.type) {
    case 'edit':
    case 'delete':
    case 'reaction':
    case 'acknowledge':
      return content.target;
    default:
      return null;
  }
}

/**
 * The conversation's timeline a page at a time (MessagingClient.timelinePage): the view never
 * reads and decrypts more of a long conversation than the reader has scrolled through. Reads
 * run one after another, so an older page and an arriving message never overwrite each other.
 */
export function useTimelineWindow(
  client: MessagingClient,
  conversationId: string,
): TimelineWindowView {
  const [window, setWindow] = useState<TimelineWindow>(EMPTY_WINDOW);
  const [isLoadingOlder, setLoadingOlder] = useState(false);
  const current = useRef<TimelineWindow>(EMPTY_WINDOW);
  const queue = useRef<Promise<void>>(Promise.resolve());
  const generation = useRef(0);
  const olderRequested = useRef(false);

  // Every read waits for the one before; a read queued for another conversation is dropped.
  const enqueue = useCallback(
    (read: (window: TimelineWindow) => Promise<TimelineWindow>): Promise<void> => {
      const queuedFor = generation.current;
      const next = queue.current.then(async () => {
        if (queuedFor !== generation.current) return;
        const updated = await read(current.current);
        if (queuedFor !== generation.current || updated === current.current) return;
        current.current = updated;
        setWindow(updated);
      });
      queue.current = next.catch(() => undefined);
      return next;
    },
    [],
  );

  const refresh = useCallback(
    (changedId?: string) => {
      void enqueue(async (window) => {
        let updated = withNewer(
          window,
          await client.timelinePage(conversationId, { afterSeq: newestSeq(window) }),
        );
        if (changedId !== undefined) {
          const message = await client.timelineMessage(conversationId, changedId);
          if (message !== null) updated = withMessage(updated, message);
        }
        return updated;
      });
    },
    [client, conversationId, enqueue],
  );

  useEffect(() => {
    generation.current += 1;
    current.current = EMPTY_WINDOW;
    setWindow(EMPTY_WINDOW);
    olderRequested.current = false;
    const readNewest = (): void => {
      void enqueue(async () =>
        windowOf(await client.timelinePage(conversationId, { limit: FIRST_PAGE })),
      );
    };
    readNewest();
    return client.subscribe((event) => {
      if (!('conversationId' in event) || event.conversationId !== conversationId) return;
      switch (event.type) {
        case 'history_restored':
          readNewest();
          return;
        case 'message':
          // Read receipts change no item; the view reads the markers itself.
          if (event.content.type !== 'read') refresh(changedMessageId(event) ?? undefined);
          return;
        case 'membership_changed':
        case 'decrypt_failed':
          refresh(changedMessageId(event) ?? undefined);
          return;
        default:
          return;
      }
    });
  }, [client, conversationId, enqueue, refresh]);

  const loadOlder = useCallback(() => {
    if (olderRequested.current || !current.current.hasOlder) return;
    olderRequested.current = true;
    setLoadingOlder(true);
    void enqueue(async (window) =>
      withOlder(
        window,
        await client.timelinePage(conversationId, {
          beforeSeq: window.fromSeq,
          limit: OLDER_PAGE,
        }),
      ),
    ).finally(() => {
      olderRequested.current = false;
      setLoadingOlder(false);
    });
  }, [client, conversationId, enqueue]);

  return { ...window, isLoadingOlder, loadOlder, refresh };
}
