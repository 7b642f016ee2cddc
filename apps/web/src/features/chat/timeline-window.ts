import type { TimelineItem, TimelinePage } from '@amtsbote/client';

/*
 * The part of a conversation's timeline the view holds: the newest page when it opens, older
 * pages added in front as the reader scrolls up, what arrives added at the end, and messages
 * that change (edits, deletions, reactions, acknowledgements) replaced where they are.
 */
export interface TimelineWindow {
  readonly items: readonly TimelineItem[];
  /** The lowest seq the window covers; the next older page ends below it. */
  readonly fromSeq: number;
  readonly hasOlder: boolean;
}

export const EMPTY_WINDOW: TimelineWindow = { items: [], fromSeq: 0, hasOlder: false };

export function windowOf(page: TimelinePage): TimelineWindow {
  return { items: page.items, fromSeq: page.fromSeq, hasOlder: page.hasOlder };
}

/** The newest seq the window holds (below its start when it holds nothing). */
export function newestSeq(window: TimelineWindow): number {
  return window.items.at(-1)?.seq ?? window.fromSeq - 1;
}

/** Adds an older page in front of the window. */
export function withOlder(window: TimelineWindow, older: TimelinePage): TimelineWindow {
  const items = older.items.filter((item) => item.seq < window.fromSeq);
  return {
    items: [...items, ...window.items],
    fromSeq: Math.min(older.fromSeq, window.fromSeq),
    hasOlder: older.hasOlder,
  };
}

/** Adds what arrived after the window's newest seq at its end. */
export function withNewer(window: TimelineWindow, newer: TimelinePage): TimelineWindow {
  const after = newestSeq(window);
  const items = newer.items.filter((item) => item.seq > after);
  return items.length === 0 ? window : { ...window, items: [...window.items, ...items] };
}

/** Replaces a message the window holds by its current state. */
export function withMessage(window: TimelineWindow, message: TimelineItem): TimelineWindow {
  if (message.kind !== 'message') return window;
  const at = window.items.findIndex(
    (item) => item.kind === 'message' && item.messageId === message.messageId,
  );
  if (at < 0) return window;
  const items = [...window.items];
  items[at] = message;
  return { ...window, items };
}
