import type { TimelineItem } from '@amtsbote/client';
import type { TFunction } from 'i18next';

/** A text this device is still sending (or waiting to send), shown after the timeline. */
export interface PendingText {
  /** `local-<n>` while the view sends it; the message id once it waits in the outbox. */
  readonly key: string;
  readonly text: string;
  readonly state: 'sending' | 'waiting' | 'failed';
}

/**
 * The pending texts to show: those waiting in the outbox (kept there across reloads), then those
 * this view is sending or failed to send. A text being sent is in the outbox already, at its
 * end, so the newest outbox entries that stand for the texts in flight are left out.
 */
export function pendingTexts(
  outbox: readonly PendingText[],
  local: readonly PendingText[],
): PendingText[] {
  const inFlight = local.filter((p) => p.state === 'sending').length;
  return [...outbox.slice(0, Math.max(0, outbox.length - inFlight)), ...local];
}

/** One row of the shown timeline: a day separator, an item, or a pending text. */
export type TimelineRow =
  | { readonly kind: 'day'; readonly day: string }
  | { readonly kind: 'item'; readonly item: TimelineItem }
  | { readonly kind: 'pending'; readonly pending: PendingText };

/** The local calendar day of an instant, as YYYY-MM-DD. */
function localDay(instant: string): string {
  const date = new Date(instant);
  const month = String(date.getMonth() + 1).padStart(2, '0');
  const day = String(date.getDate()).padStart(2, '0');
  return `${date.getFullYear()}-${month}-${day}`;
}

/** The items with a separator before the first item of each day, then the pending texts. */
export function timelineRows(
  items: readonly TimelineItem[],
  pending: readonly PendingText[],
): TimelineRow[] {
  const rows: TimelineRow[] = [];
  let lastDay: string | null = null;
  for (const item of items) {
    const day = localDay(item.sentAt);
    if (day !== lastDay) rows.push({ kind: 'day', day });
    lastDay = day;
    rows.push({ kind: 'item', item });
  }
  for (const p of pending) rows.push({ kind: 'pending', pending: p });
  return rows;
}

export function rowKey(row: TimelineRow): string {
  switch (row.kind) {
    case 'day':
      return `day-${row.day}`;
    case 'pending':
      return `pending-${row.pending.key}`;
    case 'item': {
      const item = row.item;
      if (item.kind === 'message') return item.messageId;
      return `${item.kind}-${item.seq}-${item.kind === 'membership' ? item.userId : ''}`;
    }
  }
}

/** "Heute", "Gestern" or the date, in the reader's language. */
export function dayLabel(
  day: string,
  language: string,
  t: TFunction,
  now: Date = new Date(),
): string {
  const today = localDay(now.toISOString());
  const yesterday = localDay(new Date(now.getTime() - 24 * 3600_000).toISOString());
  if (day === today) return t('chat.today');
  if (day === yesterday) return t('chat.yesterday');
  const [year, month, date] = day.split('-').map(Number);
  return new Date(year ?? 1970, (month ?? 1) - 1, date ?? 1).toLocaleDateString(language, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  });
}
