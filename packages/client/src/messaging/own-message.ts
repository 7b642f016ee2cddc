import { decodeApplicationPayload } from '@amtsbote/protocol';
import { contentStep } from './content-step.js';
import { emptyStep, type EngineContext, type Step } from './engine-context.js';

export interface OwnMessagePosition {
  readonly conversationId: string;
  readonly messageId: string;
  readonly seq: number;
  readonly sentAt: string;
}

/**
 * Records a message this device sent, from its outbox entry, once the server gave it a seq (the
 * 'sent' answer or the message's echo in the stream, whichever comes first); the outbox entry
 * is then done. Returns null when there is nothing to record: the message is already recorded
 * (the step then only clears the outbox entry) or was never in this device's outbox.
 * The cursor is left to the caller.
 */
export async function ownMessageStep(
  ctx: EngineContext,
  position: OwnMessagePosition,
): Promise<Step | null> {
  const { conversationId, messageId } = position;
  const seenAt = await ctx.messages.seenAt(conversationId, messageId);
  const entry = (await ctx.outbox.pending()).find(
    (e) => e.messageId === messageId && e.conversationId === conversationId,
  );
  if (seenAt !== null || entry === undefined) {
    return entry === undefined ? null : { ...emptyStep(conversationId), sentMessageId: messageId };
  }
  let payload;
  try {
    payload = decodeApplicationPayload(entry.payload);
  } catch {
    // Written by this client, so this cannot happen short of a damaged store: drop the entry.
    return { ...emptyStep(conversationId), sentMessageId: messageId };
  }
  const step = await contentStep(
    ctx,
    {
      conversationId,
      messageId,
      seq: position.seq,
      sentAt: position.sentAt,
      sender: { userId: ctx.account.userId, deviceId: ctx.account.deviceId },
      content: payload.content,
    },
    { isOwn: true, group: null },
  );
  return { ...step, sentMessageId: messageId };
}
