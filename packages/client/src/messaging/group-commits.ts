import {
  MlsGroupError,
  type AddCommitResult,
  type CommitResult,
  type MlsGroup,
} from '@amtsbote/crypto';
import { ApiError } from '../http-api.js';
import type { SerialQueue } from '../store/serial-queue.js';
import { commitStep, emptyStep, type EngineContext } from './engine-context.js';
import { memberRef } from './event-processor.js';
import { membershipRecordOperations } from './membership-log.js';
import type { EventStream } from './event-stream.js';
import type { ClaimedKeyPackageBytes } from './messaging-api.js';
import { MessagingError } from './messaging-error.js';
import { classifyFailure } from './send-errors.js';

/** Commits built again after losing the epoch to another member's commit. */
const MAX_COMMIT_ATTEMPTS = 5;

/*
 * Membership changes of the MLS group. A commit is built on the group's epoch and submitted;
 * the server accepts one commit per epoch. The loser gets epoch_conflict, syncs (processing the
 * winner's commit) and builds its commit again on the new epoch. The group after the commit is
 * kept as "pending" until the answer: if the answer is lost, the commit's echo in the stream
 * shows whether it won. Runs under the engine lock, network calls included, so no event is
 * processed between building a commit and learning its fate.
 */
export class GroupCommits {
  readonly #ctx: EngineContext;
  readonly #lock: SerialQueue;
  readonly #stream: EventStream;

  constructor(ctx: EngineContext, lock: SerialQueue, stream: EventStream) {
    this.#ctx = ctx;
    this.#lock = lock;
    this.#stream = stream;
  }

  /** Adds every device of the users that is not in the group yet; returns the added devices. */
  async addUsers(conversationId: string, userIds: readonly string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    return this.#lock.run(async () => {
      // Claimed once: a key package handed out is gone from the server, so retries reuse it.
      let claimed: ClaimedKeyPackageBytes[] | null = null;
      return this.#withRetries(conversationId, async (group) => {
        const inGroup = new Set(group.members().map((m) => m.deviceId));
        claimed ??= claimedFor(
          userIds,
          await this.#ctx.api.claimKeyPackages(this.#ctx.account.ciphersuite, userIds, [
            ...inGroup,
          ]),
        );
        for (;;) {
          const toAdd = claimed.filter((k) => !inGroup.has(k.deviceId));
          if (toAdd.length === 0) return null;
          let result: AddCommitResult;
          try {
            result = await group.commitAdd(toAdd.map((k) => k.keyPackage));
          } catch (error) {
            // Devices whose credential the pins refuse (reported as identity_key_changed) stay
            // out; the user's other devices are added. Any other refusal means a key package
            // no device of the user made: nothing is added, and the caller learns why.
            const refused = refusedDevices(error);
            const rest: ClaimedKeyPackageBytes[] = claimed.filter(
              (k) => refused?.has(k.deviceId) !== true,
            );
            if (rest.length === claimed.length) throw error;
            claimed = rest;
            continue;
          }
          checkAdded(result, toAdd);
          return {
            result,
            welcome: result.welcome,
            added: toAdd.map((k) => k.deviceId),
            removed: [],
          };
        }
      });
    });
  }

  /** Removes every device of the users from the group; returns the removed devices. */
  async removeUsers(conversationId: string, userIds: readonly string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    return this.#lock.run(() =>
      this.#withRetries(conversationId, async (group) => {
        const removed = group
          .members()
          .filter((m) => userIds.includes(m.userId))
          .map((m) => m.deviceId);
        if (removed.length === 0) return null;
        const result = await group.commitRemove(removed);
        return { result, welcome: null, added: [], removed };
      }),
    );
  }

  /**
   * Removes these devices from the group (those still in it: after re-basing on another
   * member's commit there may be nothing left to do). Call with the engine lock held; the roster
   * reconciler decides which devices, and never this one.
   */
  async removeDevicesUnlocked(
    conversationId: string,
    deviceIds: readonly string[],
  ): Promise<string[]> {
    return this.#withRetries(conversationId, async (group) => {
      const removed = group
        .members()
        .filter((m) => deviceIds.includes(m.deviceId) && m.deviceId !== this.#ctx.account.deviceId)
        .map((m) => m.deviceId);
      if (removed.length === 0) return null;
      const result = await group.commitRemove(removed);
      return { result, welcome: null, added: [], removed };
    });
  }

  async #withRetries(
    conversationId: string,
    build: (group: MlsGroup) => Promise<PlannedCommit | null>,
  ): Promise<string[]> {
    await this.#settlePending(conversationId);
    for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt++) {
      const group = await this.#ctx.groups.group(conversationId);
      if (group === null) {
        throw new MessagingError('conversation_not_found', 'no such conversation on this device');
      }
      if (group.isRemoved) throw new MessagingError('not_in_group', 'this device was removed');
      const planned = await build(group);
      if (planned === null) return [];
      if (await this.#submit(conversationId, group, planned)) {
        return [...planned.added, ...planned.removed];
      }
      await this.#stream.syncUnlocked();
    }
    throw new MessagingError('commit_conflict', 'other members’ commits kept winning');
  }

  /** A pending commit from before (its answer was lost): a sync shows whether it won. */
  async #settlePending(conversationId: string): Promise<void> {
    if ((await this.#ctx.groups.pending(conversationId)) === null) return;
    await this.#stream.syncUnlocked();
    // Still pending after a full sync: the server never stored it.
    if ((await this.#ctx.groups.pending(conversationId)) !== null) {
      await this.#ctx.store.transaction([this.#ctx.groups.pendingDeleteOperation(conversationId)]);
    }
  }

  /** True when the server accepted the commit; false after an epoch conflict. */
  async #submit(conversationId: string, group: MlsGroup, planned: PlannedCommit): Promise<boolean> {
    const ctx = this.#ctx;
    const { result } = planned;
    await ctx.groups.savePending(conversationId, {
      epoch: result.epoch,
      commit: result.commit,
      group: result.newGroup,
    });
    let position;
    try {
      position = await ctx.api.submitCommit(conversationId, {
        epoch: result.epoch,
        commit: result.commit,
        addedDeviceIds: planned.added,
        removedDeviceIds: planned.removed,
        welcome: planned.welcome,
        groupInfo: result.groupInfo,
        ratchetTree: result.ratchetTree,
      });
    } catch (error) {
      // Transient: the commit may have been stored; the pending state stays for the echo.
      if (classifyFailure(error) === 'transient') throw error;
      await ctx.store.transaction([ctx.groups.pendingDeleteOperation(conversationId)]);
      if (error instanceof ApiError && error.code === 'epoch_conflict') return false;
      throw error;
    }
    // Messages of the old epoch sent before our commit must be read with the old group: the
    // sync processes them, then adopts the pending group at the commit's echo.
    await this.#stream.catchUpUnlocked(conversationId, position.seq);
    const current = await ctx.groups.group(conversationId);
    if (current !== null && current.epoch > result.epoch) return true;
    const cursor = await ctx.cursors.get(conversationId);
    const isNext = position.seq === cursor + 1;
    const self = { userId: ctx.account.userId, deviceId: ctx.account.deviceId };
    const recorded = await membershipRecordOperations(
      ctx,
      { conversationId, seq: position.seq, sentAt: ctx.now().toISOString(), epoch: group.epoch },
      { before: group, after: result.newGroup },
      self,
    );
    await commitStep(ctx, {
      ...emptyStep(conversationId),
      operations: [ctx.groups.pendingDeleteOperation(conversationId), ...recorded],
      group: result.newGroup,
      cursor: isNext ? position.seq : null,
      emit: [
        {
          type: 'membership_changed',
          conversationId,
          epoch: group.epoch,
          committer: self,
          added: result.added.map(memberRef),
          removed: result.removed.map(memberRef),
          isSelfRemoved: false,
        },
      ],
    });
    if (isNext) await this.#stream.acknowledge([{ conversationId, seq: position.seq }]);
    return true;
  }
}

interface PlannedCommit {
  readonly result: CommitResult;
  readonly welcome: Uint8Array | null;
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/**
 * The devices a member_rejected refusal names when every rejection is a changed identity key
 * (already shown through identity_key_changed); null for any other error or an unnamed device.
 */
function refusedDevices(error: unknown): ReadonlySet<string> | null {
  if (!(error instanceof MlsGroupError) || error.code !== 'member_rejected') return null;
  if (error.rejections.some((r) => r.reason !== 'identity_key_changed')) return null;
  const deviceIds = error.rejections.map((r) => r.deviceId);
  if (deviceIds.length === 0 || deviceIds.some((id) => id === null)) return null;
  return new Set(deviceIds.filter((id): id is string => id !== null));
}

/** The server answers for the users asked about and no one else, or nobody is added. */
function claimedFor(
  userIds: readonly string[],
  claimed: ClaimedKeyPackageBytes[],
): ClaimedKeyPackageBytes[] {
  if (claimed.some((k) => !userIds.includes(k.userId))) {
    throw new MessagingError('key_package_mismatch', 'a key package is for a user not asked for');
  }
  return claimed;
}

/** The commit adds exactly the claimed devices, each of the user the server named. */
function checkAdded(result: AddCommitResult, claimed: readonly ClaimedKeyPackageBytes[]): void {
  const expected = new Map(claimed.map((k) => [k.deviceId, k.userId]));
  const isExact =
    result.added.length === claimed.length &&
    result.added.every((m) => expected.get(m.deviceId) === m.userId);
  if (!isExact) {
    throw new MessagingError('key_package_mismatch', 'a key package is not for the named device');
  }
}
