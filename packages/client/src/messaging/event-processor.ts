import {
  constantTimeEqual,
  groupIdFromConversationId,
  joinFromWelcome,
  type GroupMember,
  type MlsGroup,
} from '@amtsbote/crypto';
import { decodeApplicationPayload, type ConversationKind } from '@amtsbote/protocol';
import { channelRefusal } from './channel-rules.js';
import { contentStep } from './content-step.js';
import { emptyStep, type EngineContext, type Step } from './engine-context.js';
import { newConversationInfo } from './group-store.js';
import type { IncomingEvent } from './incoming-event.js';
import { errorCode, type MemberRef, type MessagingEvent } from './messaging-events.js';
import { membershipRecordOperations, type CommitPosition } from './membership-log.js';
import { ownMessageStep } from './own-message.js';
import { rosterAdmission } from './roster-admission.js';

/*
 * Turns one event of the stream into a Step: welcome → join, commit → next epoch, message →
 * decrypted content. Call with the engine lock held, in seq order per conversation. An event at
 * or below the conversation's cursor is a duplicate and changes nothing. What the cryptography
 * or the content refuses becomes a visible failure record and the cursor moves on, so one bad
 * event can neither stop the engine nor be processed twice; storage errors propagate.
 */

export const memberRef = (member: GroupMember): MemberRef => ({
  userId: member.userId,
  deviceId: member.deviceId,
});

function failureStep(event: IncomingEvent, code: string, group: MlsGroup | null = null): Step {
  return {
    ...emptyStep(event.conversationId),
    operations: [],
    group,
    cursor: event.seq,
    emit: [
      {
        type: 'decrypt_failed',
        conversationId: event.conversationId,
        seq: event.seq,
        eventType: event.type,
        messageId: event.messageId,
        senderDeviceId: event.senderDeviceId,
        code,
      },
    ],
  };
}

/** Adds the failure record the decrypt_failed event describes. */
function withFailureRecord(ctx: EngineContext, event: IncomingEvent, step: Step): Step {
  const failed = step.emit.find((e) => e.type === 'decrypt_failed');
  if (failed?.type !== 'decrypt_failed') return step;
  const record = ctx.messages.failureOperation({
    v: 1,
    conversationId: event.conversationId,
    seq: event.seq,
    eventType: event.type,
    messageId: event.messageId,
    senderDeviceId: event.senderDeviceId,
    sentAt: event.sentAt,
    code: failed.code,
  });
  return { ...step, operations: [...step.operations, record] };
}

const advanceOnly = (event: IncomingEvent): Step => ({
  ...emptyStep(event.conversationId),
  cursor: event.seq,
});

async function kindOf(
  ctx: EngineContext,
  conversationId: string,
): Promise<ConversationKind | null> {
  try {
    return (await ctx.api.conversation(conversationId)).kind;
  } catch {
    // Informational only: the conversation works without knowing its kind.
    return null;
  }
}

async function welcomeStep(ctx: EngineContext, event: IncomingEvent): Promise<Step> {
  const { conversationId } = event;
  const existing = await ctx.groups.group(conversationId);
  if (existing !== null && !existing.isRemoved && existing.epoch >= event.epoch) {
    return advanceOnly(event);
  }
  if (event.ratchetTree === null) return failureStep(event, 'missing_ratchet_tree');
  const keyPackages = ctx.keyPackages.deferringDeletes();
  let group: MlsGroup;
  try {
    group = await joinFromWelcome({
      welcome: event.data,
      ratchetTree: event.ratchetTree,
      keyPackages: keyPackages.store,
      device: ctx.account.device,
      authService: ctx.auth,
      expectedGroupId: groupIdFromConversationId(conversationId),
    });
  } catch (error) {
    return failureStep(event, errorCode(error));
  }
  const info = (await ctx.groups.info(conversationId)) ?? newConversationInfo(conversationId, null);
  const kind = info.kind ?? (await kindOf(ctx, conversationId));
  return {
    ...emptyStep(conversationId),
    operations: [
      ...keyPackages.operations(),
      ctx.groups.infoOperation({ ...info, kind, isRemoved: false }),
    ],
    group,
    cursor: event.seq,
    emit: [
      {
        type: 'conversation_joined',
        conversationId,
        epoch: group.epoch,
        members: group.members().map(memberRef),
      },
    ],
  };
}

function membershipEvent(
  conversationId: string,
  epoch: number,
  before: MlsGroup,
  after: MlsGroup,
  committer: MemberRef | null,
): MessagingEvent {
  const beforeIds = new Set(before.members().map((m) => m.deviceId));
  const afterIds = new Set(after.members().map((m) => m.deviceId));
  return {
    type: 'membership_changed',
    conversationId,
    epoch,
    committer,
    added: after
      .members()
      .filter((m) => !beforeIds.has(m.deviceId))
      .map(memberRef),
    removed: before
      .members()
      .filter((m) => !afterIds.has(m.deviceId))
      .map(memberRef),
    isSelfRemoved: after.isRemoved,
  };
}

const commitPositionOf = (event: IncomingEvent): CommitPosition => ({
  conversationId: event.conversationId,
  seq: event.seq,
  sentAt: event.sentAt,
  epoch: event.epoch,
});

async function commitStepOf(ctx: EngineContext, event: IncomingEvent): Promise<Step> {
  const { conversationId } = event;
  const group = await ctx.groups.group(conversationId);
  if (group === null) return failureStep(event, 'not_in_group');
  // Our own accepted commit's echo: the group is past it already. Anyone else's commit of a
  // past epoch at a new position is a replay: MLS refuses it below (stale_epoch), visibly.
  if (group.epoch > event.epoch && event.senderDeviceId === ctx.account.deviceId) {
    return advanceOnly(event);
  }
  const pending = await ctx.groups.pending(conversationId);
  const clearPending = pending === null ? [] : [ctx.groups.pendingDeleteOperation(conversationId)];
  if (
    pending !== null &&
    event.senderDeviceId === ctx.account.deviceId &&
    pending.epoch === event.epoch &&
    constantTimeEqual(pending.commit, event.data)
  ) {
    // Our commit won, but its answer was lost: the echo confirms it.
    const self = { userId: ctx.account.userId, deviceId: ctx.account.deviceId };
    return {
      ...emptyStep(conversationId),
      operations: [
        ...clearPending,
        ...(await membershipRecordOperations(
          ctx,
          commitPositionOf(event),
          { before: group, after: pending.group },
          self,
        )),
      ],
      group: pending.group,
      cursor: event.seq,
      emit: [membershipEvent(conversationId, event.epoch, group, pending.group, self)],
    };
  }
  const admission = rosterAdmission(ctx, conversationId, event.seq);
  let result;
  try {
    result = await group.process(event.data, admission.options);
  } catch (error) {
    // The roster could not be read: not a refusal; the event is processed on the next sync.
    if (admission.unreachable() !== null) throw admission.unreachable();
    return failureStep(event, errorCode(error));
  }
  if (result.kind !== 'commit') return failureStep(event, 'unexpected_message_kind');
  const info = (await ctx.groups.info(conversationId)) ?? newConversationInfo(conversationId, null);
  const committer = result.committer === null ? null : memberRef(result.committer);
  return {
    ...emptyStep(conversationId),
    operations: [
      ...clearPending,
      ...(result.isSelfRemoved ? [ctx.groups.infoOperation({ ...info, isRemoved: true })] : []),
      ...(await membershipRecordOperations(
        ctx,
        commitPositionOf(event),
        { before: group, after: result.newGroup },
        committer,
      )),
    ],
    group: result.newGroup,
    cursor: event.seq,
    emit: [
      {
        type: 'membership_changed',
        conversationId,
        epoch: event.epoch,
        committer,
        added: result.added.map(memberRef),
        removed: result.removed.map(memberRef),
        isSelfRemoved: result.isSelfRemoved,
      },
    ],
  };
}

async function messageStep(ctx: EngineContext, event: IncomingEvent): Promise<Step> {
  const { conversationId, messageId } = event;
  if (messageId === null) return failureStep(event, 'missing_message_id');
  if (event.senderDeviceId === ctx.account.deviceId) {
    // MLS cannot decrypt our own messages; the outbox holds what we sent.
    const own = await ownMessageStep(ctx, { ...event, messageId });
    return { ...(own ?? emptyStep(conversationId)), cursor: event.seq };
  }
  const seenAt = await ctx.messages.seenAt(conversationId, messageId);
  if (seenAt === event.seq) return advanceOnly(event);
  // The same message id at another position: a replay. Show nothing but the refusal, and leave
  // the cursor: the position may still belong to a real event.
  if (seenAt !== null) return { ...failureStep(event, 'message_replayed'), cursor: null };
  const group = await ctx.groups.group(conversationId);
  if (group === null) return failureStep(event, 'not_in_group');
  let result;
  try {
    result = await group.process(event.data);
  } catch (error) {
    return failureStep(event, errorCode(error));
  }
  if (result.kind !== 'application') return failureStep(event, 'unexpected_message_kind');
  let payload;
  try {
    payload = decodeApplicationPayload(result.plaintext);
  } catch (error) {
    // The message key is used up either way: keep the advanced group.
    return failureStep(event, errorCode(error), result.newGroup);
  }
  if (payload.messageId !== messageId) {
    return failureStep(event, 'message_id_mismatch', result.newGroup);
  }
  const refusal = await channelRefusal(ctx, {
    conversationId,
    intent: event.intent,
    senderUserId: result.sender.userId,
    content: payload.content,
  });
  if (refusal !== null) return failureStep(event, refusal, result.newGroup);
  const step = await contentStep(
    ctx,
    {
      conversationId,
      messageId,
      seq: event.seq,
      sentAt: event.sentAt,
      sender: memberRef(result.sender),
      content: payload.content,
    },
    { isOwn: false, group: result.newGroup },
  );
  return { ...step, cursor: event.seq };
}

/** The step for one event; a duplicate gives an empty step. */
export async function stepForEvent(ctx: EngineContext, event: IncomingEvent): Promise<Step> {
  if (event.seq <= (await ctx.cursors.get(event.conversationId))) {
    return emptyStep(event.conversationId);
  }
  let step: Step;
  switch (event.type) {
    case 'welcome':
      step = await welcomeStep(ctx, event);
      break;
    case 'commit':
      step = await commitStepOf(ctx, event);
      break;
    case 'message':
      step = await messageStep(ctx, event);
      break;
    default:
      step = failureStep(event, 'unknown_event_type');
  }
  return withFailureRecord(ctx, event, step);
}
