import {
  MlsGroupError,
  groupIdFromConversationId,
  joinExternal,
  type MlsGroup,
} from '@amtsbote/crypto';
import type { ConversationView } from '@amtsbote/protocol';
import { ApiError } from '../http-api.js';
import { commitStep, emptyStep, type EngineContext } from './engine-context.js';
import { memberRef } from './event-processor.js';
import { newConversationInfo } from './group-store.js';
import { MessagingError } from './messaging-error.js';
import type { RosterApi } from './roster-api.js';
import { classifyFailure } from './send-errors.js';

/** External commits built again after losing the epoch to another commit. */
const MAX_JOIN_ATTEMPTS = 5;

/** joined: by our commit; routed: something else (a Welcome) put us in; skipped: not now. */
export type JoinOutcome = 'joined' | 'routed' | 'skipped';

/*
 * A device joins a conversation its user is a member of by itself, with an MLS external commit
 * built on the group info the newest commit published (ADR 0008): a user's new device, a device
 * whose user was added by the roster alone, a device whose old membership ended. The group info's
 * members are verified through the authentication service like any member's. The commit is fenced
 * by epoch like every other; a lost race fetches the group info again. The new group is kept as
 * "pending" until the server answers; an answer that is lost is settled by adoptPendingUnlocked.
 * Everything here runs under the engine lock.
 */
export class ExternalJoin {
  readonly #ctx: EngineContext;
  readonly #api: RosterApi;

  constructor(ctx: EngineContext, api: RosterApi) {
    this.#ctx = ctx;
    this.#api = api;
  }

  /** For a conversation whose roster lists this user but does not route this device. */
  async joinUnlocked(view: ConversationView): Promise<JoinOutcome> {
    const ctx = this.#ctx;
    const conversationId = view.id;
    for (let attempt = 1; attempt <= MAX_JOIN_ATTEMPTS; attempt++) {
      const state = await this.#api.groupInfo(conversationId);
      // No commit published a group info yet (the creator is alone): nothing to join.
      if (state.groupInfo === null || state.ratchetTree === null) return 'skipped';
      let joined;
      try {
        joined = await joinExternal({
          groupInfo: state.groupInfo,
          ratchetTree: state.ratchetTree,
          device: ctx.account.device,
          authService: ctx.auth,
          expectedGroupId: groupIdFromConversationId(conversationId),
        });
      } catch (error) {
        // Still in the tree: members have not removed this device's old leaf yet.
        if (error instanceof MlsGroupError && error.code === 'invalid_request') return 'skipped';
        throw error;
      }
      await ctx.groups.savePending(conversationId, {
        epoch: joined.epoch,
        commit: joined.commit,
        group: joined.newGroup,
      });
      let position;
      try {
        position = await this.#api.submitExternalCommit(conversationId, joined);
      } catch (error) {
        // The commit may have been stored: the pending join stays for adoptPendingUnlocked.
        if (classifyFailure(error) === 'transient') throw error;
        await ctx.store.transaction([ctx.groups.pendingDeleteOperation(conversationId)]);
        if (error instanceof ApiError && error.code === 'epoch_conflict') continue;
        if (await this.#isRouted(conversationId)) return 'routed';
        throw error;
      }
      await this.#adopt(view, joined.newGroup, position.seq);
      return 'joined';
    }
    throw new MessagingError('commit_conflict', 'other members’ commits kept winning');
  }

  /**
   * A join whose answer was lost: when the server routes this device and no Welcome brought a
   * group (the caller synced first), only our external commit can have put it there.
   */
  async adoptPendingUnlocked(view: ConversationView): Promise<boolean> {
    const ctx = this.#ctx;
    const pending = await ctx.groups.pending(view.id);
    if (pending === null) return false;
    const current = await ctx.groups.group(view.id);
    const isWaiting = current === null || current.isRemoved;
    if (!isWaiting || !view.deviceIds.includes(ctx.account.deviceId)) {
      await ctx.store.transaction([ctx.groups.pendingDeleteOperation(view.id)]);
      return false;
    }
    if (view.epoch < pending.group.epoch) return false;
    await this.#adopt(view, pending.group, null);
    return true;
  }

  async #isRouted(conversationId: string): Promise<boolean> {
    const view = await this.#ctx.api.conversation(conversationId);
    return view.deviceIds.includes(this.#ctx.account.deviceId);
  }

  /** Keeps the joined group; the stream continues after our commit (seq, when known). */
  async #adopt(view: ConversationView, group: MlsGroup, seq: number | null): Promise<void> {
    const ctx = this.#ctx;
    const info = (await ctx.groups.info(view.id)) ?? newConversationInfo(view.id, view.kind);
    await commitStep(ctx, {
      ...emptyStep(view.id),
      operations: [
        ctx.groups.pendingDeleteOperation(view.id),
        ctx.groups.infoOperation({ ...info, kind: info.kind ?? view.kind, isRemoved: false }),
      ],
      group,
      cursor: seq,
      emit: [
        {
          type: 'conversation_joined',
          conversationId: view.id,
          epoch: group.epoch,
          members: group.members().map(memberRef),
        },
      ],
    });
  }
}
