import assert from 'node:assert/strict';
import type {
  groupInfoResponseSchema,
  submitCommitRequestSchema,
  submitExternalCommitRequestSchema,
} from '@amtsbote/protocol';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import type { Principal } from '../identity/sessions.js';
import type { Database } from '../storage/schema.js';
import { decodeBytes, decodeOptionalBytes, encodeBytes, invalidField } from './bytes.js';
import { conversationNotFound } from './conversation-service.js';
import {
  advanceConversation,
  findMemberRole,
  findPublicState,
  lockConversationForWriter,
  type WriterState,
} from './conversations-store.js';
import type { RoutedEvent } from './delivery.js';
import { insertEvent, insertWelcome } from './events-store.js';
import { fanOut } from './fan-out.js';
import type { MessagingContext } from './messaging-context.js';
import {
  addRoutedDevices,
  endRoutedDevices,
  findLiveMemberDevices,
  findKnownDeviceIds,
  type MemberDevice,
} from './routing-store.js';

/*
 * Handshake: exactly one commit per epoch. A commit names the epoch it builds on; under the
 * conversation's row lock the server accepts it only for the current epoch, and in the same
 * transaction takes the next seq and epoch, applies the routing changes the commit declares
 * and stores its welcome. The server reads nothing of the commit itself.
 */

export interface CommitResult {
  readonly epoch: number;
  readonly seq: number;
}

export const epochConflict = (currentEpoch: number): AppError =>
  new AppError(409, 'epoch_conflict', 'the conversation has moved to another epoch', {
    currentEpoch,
  });

interface PublicState {
  readonly groupInfo: Uint8Array | null;
  readonly ratchetTree: Uint8Array | null;
}

interface CommitWrite {
  readonly epoch: number;
  readonly commit: Uint8Array;
  readonly publicState: PublicState;
}

/** Locks the conversation, checks who writes and the epoch; returns the state under the lock. */
async function lockForCommit(
  tx: Kysely<Database>,
  principal: Principal,
  conversationId: string,
  epoch: number,
  device: 'in_group' | 'joining',
): Promise<WriterState> {
  const state = await lockConversationForWriter(tx, principal.organizationId, conversationId, {
    userId: principal.userId,
    deviceId: principal.deviceId,
  });
  if (state === undefined || state.role === null) throw conversationNotFound();
  if (device === 'in_group' && !state.isDeviceRouted) {
    throw new AppError(403, 'not_a_member', 'this device is not in the group');
  }
  if (device === 'joining' && state.isDeviceRouted) {
    throw invalidField('commit', 'this device is already in the group; submit a commit');
  }
  if (epoch !== state.epoch) throw epochConflict(state.epoch);
  return state;
}

/** Takes the next epoch and seq and appends the commit; call with the row lock held. */
async function appendCommit(
  ctx: MessagingContext,
  tx: Kysely<Database>,
  principal: Principal,
  conversationId: string,
  write: CommitWrite,
): Promise<RoutedEvent> {
  const { epoch, seq } = await advanceConversation(tx, conversationId, {
    isNewEpoch: true,
    publicState: write.publicState,
  });
  assert(epoch === write.epoch + 1, 'the epoch moved while the row lock was held');
  const event: RoutedEvent = {
    type: 'commit',
    conversationId,
    seq,
    epoch: write.epoch,
    senderDeviceId: principal.deviceId,
    messageId: null,
    intent: null,
    sentAt: ctx.clock.now(),
    data: write.commit,
    ratchetTree: null,
  };
  await insertEvent(tx, {
    conversation_id: conversationId,
    seq,
    type: 'commit',
    epoch: write.epoch,
    sender_device_id: principal.deviceId,
    message_id: null,
    data: write.commit,
    sent_at: event.sentAt,
    intent: null,
  });
  return event;
}

/**
 * Checks the routing changes a commit declares; returns the devices to add. Any member may
 * remove the devices of former members, revoked devices and its own user's devices; removing
 * another current member's live device is for owners.
 */
async function checkRoutingChanges(
  tx: Kysely<Database>,
  principal: Principal,
  conversationId: string,
  role: WriterState['role'],
  change: { readonly added: readonly string[]; readonly removed: readonly string[] },
): Promise<MemberDevice[]> {
  const addable = (
    await findLiveMemberDevices(tx, principal.organizationId, conversationId, change.added)
  ).filter((d) => !d.isRouted);
  if (addable.length !== change.added.length) {
    throw invalidField(
      'addedDeviceIds',
      'each added device must be a live device of a member, not yet in the group',
    );
  }
  const known = await findKnownDeviceIds(tx, conversationId, change.removed);
  if (known.size !== change.removed.length) {
    throw invalidField('removedDeviceIds', 'each removed device must be in the conversation');
  }
  if (role !== 'owner') {
    const protectedDevices = (
      await findLiveMemberDevices(tx, principal.organizationId, conversationId, change.removed)
    ).filter((d) => d.userId !== principal.userId);
    if (protectedDevices.length > 0) {
      throw new AppError(403, 'forbidden', "only owners remove other members' devices");
    }
  }
  return addable;
}

export async function submitCommit(
  ctx: MessagingContext,
  principal: Principal,
  conversationId: string,
  input: z.output<typeof submitCommitRequestSchema>,
): Promise<CommitResult> {
  const commit = decodeBytes(input.commit, 'commit');
  const welcome = decodeOptionalBytes(input.welcome, 'welcome');
  const publicState = {
    groupInfo: decodeOptionalBytes(input.groupInfo, 'groupInfo'),
    ratchetTree: decodeOptionalBytes(input.ratchetTree, 'ratchetTree'),
  };
  const added = [...new Set(input.addedDeviceIds)];
  const removed = [...new Set(input.removedDeviceIds)];
  if (added.some((id) => removed.includes(id))) {
    throw invalidField('removedDeviceIds', 'a device is both added and removed');
  }
  if ((welcome === null) !== (added.length === 0)) {
    throw invalidField(
      'welcome',
      'a commit that adds devices carries their welcome, and only then',
    );
  }

  const { event, welcomeEvent } = await ctx.db.transaction().execute(async (tx) => {
    const state = await lockForCommit(tx, principal, conversationId, input.epoch, 'in_group');
    const addable = await checkRoutingChanges(tx, principal, conversationId, state.role, {
      added,
      removed,
    });
    const appended = await appendCommit(ctx, tx, principal, conversationId, {
      epoch: input.epoch,
      commit,
      publicState,
    });
    await endRoutedDevices(tx, conversationId, removed, appended.seq);
    await addRoutedDevices(tx, conversationId, addable, appended.seq);
    let welcomed: RoutedEvent | null = null;
    if (welcome !== null) {
      welcomed = {
        ...appended,
        type: 'welcome',
        epoch: input.epoch + 1,
        data: welcome,
        ratchetTree: publicState.ratchetTree,
      };
      await insertWelcome(
        tx,
        {
          id: ctx.newId(),
          conversation_id: conversationId,
          seq: appended.seq,
          epoch: welcomed.epoch,
          sender_device_id: principal.deviceId,
          data: welcome,
          ratchet_tree: publicState.ratchetTree,
          created_at: appended.sentAt,
        },
        added,
      );
    }
    return { event: appended, welcomeEvent: welcomed };
  });

  await fanOut(ctx, event);
  if (welcomeEvent !== null) ctx.delivery.pushEvent(added, welcomeEvent);
  return { epoch: input.epoch + 1, seq: event.seq };
}

/**
 * A new device of a member user joins by itself (MLS external commit), built on the group
 * info from describeGroupInfo. Its stream starts after its own commit.
 */
export async function submitExternalCommit(
  ctx: MessagingContext,
  principal: Principal,
  conversationId: string,
  input: z.output<typeof submitExternalCommitRequestSchema>,
): Promise<CommitResult> {
  const commit = decodeBytes(input.commit, 'commit');
  const publicState = {
    groupInfo: decodeOptionalBytes(input.groupInfo, 'groupInfo'),
    ratchetTree: decodeOptionalBytes(input.ratchetTree, 'ratchetTree'),
  };
  const event = await ctx.db.transaction().execute(async (tx) => {
    await lockForCommit(tx, principal, conversationId, input.epoch, 'joining');
    // Checked again under the lock: a device revoked (or user disabled) since its request was
    // authenticated must not join; only a live device of a current member does (ADR 0008).
    const live = await findLiveMemberDevices(tx, principal.organizationId, conversationId, [
      principal.deviceId,
    ]);
    if (live.length !== 1) {
      throw new AppError(403, 'not_a_member', 'only a live device of a member joins');
    }
    const appended = await appendCommit(ctx, tx, principal, conversationId, {
      epoch: input.epoch,
      commit,
      publicState,
    });
    await addRoutedDevices(
      tx,
      conversationId,
      [{ deviceId: principal.deviceId, userId: principal.userId }],
      appended.seq,
    );
    return appended;
  });
  await fanOut(ctx, event);
  return { epoch: input.epoch + 1, seq: event.seq };
}

/** The public group state of the current epoch, for members' devices that join externally. */
export async function describeGroupInfo(
  ctx: MessagingContext,
  principal: Principal,
  conversationId: string,
): Promise<z.output<typeof groupInfoResponseSchema>> {
  const role = await findMemberRole(
    ctx.db,
    principal.organizationId,
    conversationId,
    principal.userId,
  );
  if (role === undefined) throw conversationNotFound();
  const state = await findPublicState(ctx.db, conversationId);
  if (state === undefined) throw conversationNotFound();
  return {
    epoch: state.epoch,
    groupInfo: state.group_info === null ? null : encodeBytes(state.group_info),
    ratchetTree: state.ratchet_tree === null ? null : encodeBytes(state.ratchet_tree),
  };
}
