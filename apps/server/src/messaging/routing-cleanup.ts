import type { SessionEvents } from '../identity/session-events.js';
import { noticeMembershipChanged } from './membership-notices.js';
import type { MessagingContext } from './messaging-context.js';
import { endRoutingOfDeadDevices } from './routing-store.js';

/*
 * When devices are revoked or users disabled, their devices leave the routing of every
 * conversation at once (delivery and views check liveness themselves; this makes it lasting),
 * and the conversations' members are told, so that one of their devices commits the MLS removal
 * (ADR 0008). The trigger is an in-process event after the revoking transaction: it can be lost
 * (a crash in between) or fail, so the same sweep runs at every start, and clients reconcile on
 * start and full sync whether or not a notice reached them.
 */

/** Ends the routing of dead devices (one organization, or all) and tells the members. */
export async function endRoutingOfDeadDevicesAndNotify(
  ctx: MessagingContext,
  organizationId: string | null,
): Promise<void> {
  const conversationIds = await endRoutingOfDeadDevices(ctx.db, organizationId);
  await noticeMembershipChanged(ctx, conversationIds);
}

/** The sweep at start: no device is connected yet, so nobody is told (they reconcile anyway). */
export async function endRoutingOfDeadDevicesAtStart(ctx: MessagingContext): Promise<void> {
  const conversationIds = await endRoutingOfDeadDevices(ctx.db, null);
  if (conversationIds.length > 0) {
    ctx.logger.info(
      { conversations: conversationIds.length },
      'ended the routing of devices revoked or disabled before the start',
    );
  }
}

/** Subscribes the cleanup to revocations and disabled users; returns the unsubscribe function. */
export function endRoutingOfDeadDevicesOnRevocation(
  ctx: MessagingContext,
  events: SessionEvents,
): () => void {
  return events.subscribe((event) => {
    if (event.reason === 'session_ended') return;
    endRoutingOfDeadDevicesAndNotify(ctx, event.organizationId).catch((error: unknown) => {
      ctx.logger.warn(
        { err: error },
        'ending the routing of revoked devices failed; the next start sweeps again',
      );
    });
  });
}
