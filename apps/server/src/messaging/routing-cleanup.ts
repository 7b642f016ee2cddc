import type { SessionEvents } from '../identity/session-events.js';
import { endRoutingOfDeadDevices } from './routing-store.js';
import type { MessagingContext } from './messaging-context.js';

/**
 * When devices are revoked or users disabled, their devices leave the routing of every
 * conversation (even if no client ever commits their removal). Delivery and sync check
 * liveness themselves; this records it. Returns the unsubscribe function.
 */
export function endRoutingOfDeadDevicesOnRevocation(
  ctx: MessagingContext,
  events: SessionEvents,
): () => void {
  return events.subscribe((event) => {
    if (event.reason === 'session_ended') return;
    endRoutingOfDeadDevices(ctx.db, event.organizationId).catch((error: unknown) => {
      ctx.logger.warn({ err: error }, 'ending the routing of revoked devices failed');
    });
  });
}
