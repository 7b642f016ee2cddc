import type { ConversationKind, ConversationRole, MessageIntent } from '@amtsbote/protocol';
import { AppError } from '../errors.js';
import type { Principal } from '../identity/sessions.js';
import { invalidField } from './bytes.js';
import { epochConflict } from './commit-service.js';
import { conversationNotFound } from './conversation-service.js';
import { advanceConversation, lockConversationForWriter } from './conversations-store.js';
import type { RoutedEvent } from './delivery.js';
import {
  findMessage,
  insertEvent,
  insertMessageIfAllowed,
  type StoredMessage,
} from './events-store.js';
import { fanOut } from './fan-out.js';
import type { MessagingContext } from './messaging-context.js';

/*
 * Application messages: stored once per conversation, answered only after the transaction
 * committed, then pushed to the connected devices in their routing interval. Channels: the
 * server cannot read whether a message is a post or an acknowledgement, so the sender declares
 * it (intent) and the server refuses posts from members who are not posters. The intent is
 * stored and delivered with the message; receivers drop a post that came as a response.
 */

export interface OutgoingMessage {
  readonly conversationId: string;
  readonly messageId: string;
  readonly epoch: number;
  readonly ciphertext: Uint8Array;
  readonly intent: MessageIntent;
}

export interface SentMessage {
  readonly seq: number;
  readonly sentAt: Date;
}

const UNIQUE_VIOLATION = '23505';

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error
    ? error.code === UNIQUE_VIOLATION
    : false;
}

/** Owners and posters post in channels; everyone posts elsewhere; anyone responds. */
function mayPost(kind: ConversationKind, role: ConversationRole, intent: MessageIntent): boolean {
  return kind !== 'channel' || intent === 'response' || role === 'owner' || role === 'poster';
}

function asResend(principal: Principal, stored: StoredMessage): SentMessage {
  if (stored.senderDeviceId !== principal.deviceId) {
    throw invalidField('messageId', 'the message id is taken');
  }
  return { seq: stored.seq, sentAt: stored.sentAt };
}

function messageEvent(
  principal: Principal,
  message: OutgoingMessage,
  seq: number,
  sentAt: Date,
): RoutedEvent {
  return {
    type: 'message',
    conversationId: message.conversationId,
    seq,
    epoch: message.epoch,
    senderDeviceId: principal.deviceId,
    messageId: message.messageId,
    intent: message.intent,
    sentAt,
    data: message.ciphertext,
    ratchetTree: null,
  };
}

/** The message in a transaction that checks each condition in turn and names the first unmet. */
function storeChecked(
  ctx: MessagingContext,
  principal: Principal,
  message: OutgoingMessage,
): Promise<RoutedEvent> {
  return ctx.db.transaction().execute(async (tx) => {
    const state = await lockConversationForWriter(
      tx,
      principal.organizationId,
      message.conversationId,
      { userId: principal.userId, deviceId: principal.deviceId },
    );
    if (state === undefined || state.role === null) throw conversationNotFound();
    if (!state.isDeviceRouted) {
      throw new AppError(403, 'not_a_member', 'this device is not in the group');
    }
    if (!mayPost(state.kind, state.role, message.intent)) {
      throw new AppError(403, 'not_a_poster', 'only owners and posters post in this channel');
    }
    if (message.epoch !== state.epoch) throw epochConflict(state.epoch);
    const { seq } = await advanceConversation(tx, message.conversationId, {
      isNewEpoch: false,
    });
    const sentAt = ctx.clock.now();
    await insertEvent(tx, {
      conversation_id: message.conversationId,
      seq,
      type: 'message',
      epoch: message.epoch,
      sender_device_id: principal.deviceId,
      message_id: message.messageId,
      data: message.ciphertext,
      sent_at: sentAt,
      intent: message.intent,
    });
    return messageEvent(principal, message, seq, sentAt);
  });
}

export async function sendMessage(
  ctx: MessagingContext,
  principal: Principal,
  message: OutgoingMessage,
): Promise<SentMessage> {
  if (message.ciphertext.length === 0) throw invalidField('ciphertext', 'must not be empty');
  const lookUp = (): Promise<StoredMessage | undefined> =>
    findMessage(ctx.db, principal.organizationId, message.conversationId, message.messageId);

  // The common case, a new message allowed as it is, is one statement and no look-up; anything
  // else goes through the checked transaction, which names the refusal. A resend is recognised
  // when it is refused (the message id's unique key, or a membership or epoch changed since).
  let event: RoutedEvent;
  let recipients: readonly string[] | undefined;
  try {
    const sentAt = ctx.clock.now();
    const stored = await insertMessageIfAllowed(ctx.db, {
      organizationId: principal.organizationId,
      conversationId: message.conversationId,
      userId: principal.userId,
      deviceId: principal.deviceId,
      messageId: message.messageId,
      epoch: message.epoch,
      intent: message.intent,
      data: message.ciphertext,
      sentAt,
    });
    event =
      stored === null
        ? await storeChecked(ctx, principal, message)
        : messageEvent(principal, message, stored.seq, sentAt);
    recipients = stored?.recipients;
  } catch (error) {
    // A message stored before (its answer lost, or the same message sent twice at once) is
    // answered as stored, whatever changed since; the first one stored wins.
    if (!(error instanceof AppError) && !isUniqueViolation(error)) throw error;
    const stored = await lookUp();
    if (stored === undefined) throw error;
    return asResend(principal, stored);
  }

  await fanOut(ctx, event, recipients);
  return { seq: event.seq, sentAt: event.sentAt };
}
