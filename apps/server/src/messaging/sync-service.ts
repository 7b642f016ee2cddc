import type { SyncEvent } from '@amtsbote/protocol';
import type { Principal } from '../identity/sessions.js';
import { encodeBytes } from './bytes.js';
import type { RoutedEvent } from './delivery.js';
import { consumeWelcomes, readStream, type Cursor } from './events-store.js';
import type { MessagingContext } from './messaging-context.js';

/*
 * Catch-up: a device reads its pending welcomes and events (oldest first, per conversation),
 * processes them, then acknowledges positions; the next sync starts after them. Delivery is at
 * least once: clients de-duplicate by (conversation, seq) and message id.
 */

export function toSyncEvent(event: RoutedEvent): SyncEvent {
  return {
    type: event.type,
    conversationId: event.conversationId,
    seq: event.seq,
    epoch: event.epoch,
    senderDeviceId: event.senderDeviceId,
    messageId: event.messageId,
    intent: event.intent,
    sentAt: event.sentAt.toISOString(),
    data: encodeBytes(event.data),
    ratchetTree: event.ratchetTree === null ? null : encodeBytes(event.ratchetTree),
  };
}

/** A page stops early once its MLS objects reach this size (it always holds one event). */
export const MAX_SYNC_PAGE_BYTES = 8 * 1024 * 1024;

export async function syncDevice(
  ctx: MessagingContext,
  principal: Principal,
  limit: number,
): Promise<{ events: SyncEvent[]; hasMore: boolean }> {
  const stream = await readStream(ctx.db, principal.deviceId, limit + 1);
  const page: RoutedEvent[] = [];
  let bytes = 0;
  for (const event of stream.slice(0, limit)) {
    bytes += event.data.length + (event.ratchetTree?.length ?? 0);
    if (page.length > 0 && bytes > MAX_SYNC_PAGE_BYTES) break;
    page.push(event);
  }
  return { events: page.map(toSyncEvent), hasMore: stream.length > page.length };
}

/** Advances the device's cursors (never backwards) and deletes the welcomes it consumed. */
export async function acknowledge(
  ctx: MessagingContext,
  principal: Principal,
  cursors: readonly Cursor[],
): Promise<void> {
  // One cursor per conversation, the furthest given.
  const furthest = new Map<string, number>();
  for (const c of cursors) {
    furthest.set(c.conversationId, Math.max(c.seq, furthest.get(c.conversationId) ?? 0));
  }
  const merged = [...furthest].map(([conversationId, seq]) => ({ conversationId, seq }));
  if (merged.length === 0) return;
  // Both steps are idempotent and independent: the cursors move on by themselves, and welcomes
  // left by a crash in between go with the next ack. Most acks find no welcome waiting, so they
  // cost a share of one statement written with other devices' acks, and no transaction.
  const hasWelcomes = await ctx.cursors.advance(principal.deviceId, merged);
  if (!hasWelcomes) return;
  await ctx.db.transaction().execute(async (tx) => {
    await consumeWelcomes(tx, principal.deviceId, merged);
  });
}
