import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { SessionEvents } from '../identity/session-events.js';
import type { Database } from '../storage/schema.js';
import { deleteDeadSubscriptions } from './push-subscriptions-store.js';

/*
 * A subscription is kept only while its device can use it: revoking the device, disabling its
 * user or ending its last session deletes it, so no endpoint or auth secret outlives its use.
 * Sends check the same conditions (findLiveSubscription), so a lost event only delays the
 * deletion until the next one or the next start.
 */

export interface PushCleanupContext {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly logger: Logger;
}

export async function deleteDeadSubscriptionsAtStart(ctx: PushCleanupContext): Promise<void> {
  const deleted = await deleteDeadSubscriptions(ctx.db, null, ctx.clock.now());
  if (deleted > 0) ctx.logger.info({ deleted }, 'deleted push subscriptions of dead devices');
}

/** Subscribes the cleanup to ended sessions; returns the unsubscribe function. */
export function deleteDeadSubscriptionsOnSessionEvents(
  ctx: PushCleanupContext,
  events: SessionEvents,
): () => void {
  return events.subscribe((event) => {
    deleteDeadSubscriptions(ctx.db, event.organizationId, ctx.clock.now()).catch(
      (error: unknown) => {
        ctx.logger.warn({ err: error }, 'deleting push subscriptions of dead devices failed');
      },
    );
  });
}
