import type { RoutedEvent } from './delivery.js';
import type { MessagingContext } from './messaging-context.js';
import { listRecipients } from './routing-store.js';

/**
 * After commit: pushes the event to the connected devices whose interval holds it (one query,
 * unless the statement that stored it returned them, then the in-memory index). Best effort:
 * the event is stored, so a failure here is logged and the devices catch up by sync; it never
 * fails the request that stored it.
 */
export async function fanOut(
  ctx: MessagingContext,
  event: RoutedEvent,
  knownRecipients?: readonly string[],
): Promise<void> {
  try {
    const recipients =
      knownRecipients ??
      (await listRecipients(ctx.db, event.conversationId, event.seq, event.senderDeviceId));
    ctx.delivery.pushEvent(recipients, event);
  } catch (error) {
    ctx.logger.warn(
      { err: error, conversationId: event.conversationId, seq: event.seq },
      'pushing an event failed; devices will sync',
    );
  }
}
