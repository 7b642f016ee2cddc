import { syncResponseSchema } from '@amtsbote/protocol';
import type { Violation } from './final-check.js';
import { describeError, ensureOnline, type SimContext } from './sim-context.js';
import type { SimDevice } from './sim-device.js';
import { snapshotsOf } from './sim-model.js';

/*
 * The end of a run: every live device comes online and syncs (and sends its outbox) in rounds
 * until no conversation moves any more and the server holds no event for any device; the
 * model then takes the final views.
 */

const MAX_SETTLE_ROUNDS = 12;

/** Syncs every live device in rounds until no view changes and no device has events left. */
export async function settle(ctx: SimContext): Promise<Violation[]> {
  const devices = ctx.world.liveDevices();
  for (const device of devices) await ensureOnline(ctx, device);
  let previous = '';
  const failures = new Map<string, Violation>();
  for (let round = 0; round < MAX_SETTLE_ROUNDS; round++) {
    for (const device of devices) {
      try {
        await device.client.sync();
        await device.client.flushOutbox();
      } catch (error) {
        const detail = `${device.label}: ${describeError(error)}`;
        failures.set(detail, { kind: 'sync or outbox failed while settling', detail });
      }
    }
    const views = await ctx.world.conversationViews();
    const fingerprint = views
      .map((v) => `${v.id}:${v.epoch}:${v.lastSeq}:${[...v.deviceIds].sort().join(',')}`)
      .sort()
      .join(' ');
    const waiting = await devicesWithEvents(ctx, devices);
    if (fingerprint === previous && waiting.length === 0) {
      ctx.model.advance(snapshotsOf(views), []);
      return [...failures.values()];
    }
    previous = fingerprint;
  }
  ctx.model.advance(snapshotsOf(await ctx.world.conversationViews()), []);
  return [
    ...failures.values(),
    { kind: 'not quiescent', detail: `after ${MAX_SETTLE_ROUNDS} rounds of sync` },
  ];
}

async function devicesWithEvents(
  ctx: SimContext,
  devices: readonly SimDevice[],
): Promise<string[]> {
  const waiting: string[] = [];
  for (const device of devices) {
    const { events } = await ctx.world.server
      .api(device.token)
      .request('GET', '/api/sync?limit=1', undefined, syncResponseSchema);
    if (events.length > 0) waiting.push(device.label);
  }
  return waiting;
}
