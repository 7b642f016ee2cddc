import { syncResponseSchema, type SyncEvent } from '@amtsbote/protocol';
import type { SentText } from './sim-model.js';
import {
  OperationFailure,
  onlineMembers,
  pickConversation,
  sendText,
  type OpResult,
  type SimContext,
} from './sim-context.js';

/*
 * Operations on the message stream: sends, syncs, and delivery the way a flaky transport
 * would do it — the same events twice, or in another order — fed through client.receive().
 */

/** Events handed to receive() per redelivery; a sync page holds up to 200. */
const REDELIVERY_PAGE = 40;
/** How many messages a device sends in a row (each one counts as an operation). */
const BURST_SIZES = [1, 1, 1, 2, 3] as const;

/** A device sends one message, or a few in a row, to a conversation it is in. */
export async function send(ctx: SimContext): Promise<OpResult> {
  const conversation = pickConversation(ctx, (c) => onlineMembers(ctx, c.id).length > 0);
  if (conversation === null) return null;
  const sender = ctx.prng.pick(onlineMembers(ctx, conversation.id));
  const burst = ctx.prng.pick(BURST_SIZES);
  const sent: SentText[] = [];
  try {
    for (let i = 0; i < burst; i++) sent.push(await sendText(ctx, sender, conversation.id));
  } catch (error) {
    throw new OperationFailure([error], sent);
  }
  return sent;
}

export async function sync(ctx: SimContext): Promise<OpResult> {
  const online = ctx.world.liveDevices().filter((d) => d.isOnline);
  if (online.length === 0) return null;
  const device = ctx.prng.pick(online);
  ctx.trace(`${device.label} syncs`);
  await device.client.sync();
  return [];
}

const REDELIVERY_KINDS = ['duplicated', 'reordered', 'duplicated and reordered'] as const;

/**
 * Fetches what the server holds for a device (GET /api/sync with its token, nothing
 * acknowledged) and hands it to the client duplicated and/or shuffled. The client must show
 * each message once and lose none: what it cannot take in order, a later sync brings.
 */
export async function redeliver(ctx: SimContext): Promise<OpResult> {
  const online = ctx.world.liveDevices().filter((d) => d.isOnline);
  if (online.length === 0) return null;
  const device = ctx.prng.pick(online);
  const { events } = await ctx.world.server
    .api(device.token)
    .request('GET', `/api/sync?limit=${REDELIVERY_PAGE}`, undefined, syncResponseSchema);
  const kind = ctx.prng.pick(REDELIVERY_KINDS);
  ctx.trace(`${device.label} gets ${events.length} events ${kind}`);
  const batches: SyncEvent[][] = [];
  switch (kind) {
    case 'duplicated':
      batches.push(events, events);
      break;
    case 'reordered':
      batches.push(ctx.prng.shuffle(events));
      break;
    case 'duplicated and reordered':
      batches.push(ctx.prng.shuffle([...events, ...events.filter(() => ctx.prng.chance(0.5))]));
      batches.push(ctx.prng.shuffle(events));
      break;
  }
  for (const batch of batches) await device.client.receive(batch);
  return [];
}
