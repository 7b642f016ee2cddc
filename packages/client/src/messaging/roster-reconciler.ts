import type { MlsGroup } from '@amtsbote/crypto';
import type { ConversationView } from '@amtsbote/protocol';
import { ApiError } from '../http-api.js';
import type { SerialQueue } from '../store/serial-queue.js';
import type { EngineContext } from './engine-context.js';
import type { EventStream } from './event-stream.js';
import type { ExternalJoin } from './external-join.js';
import type { GroupCommits } from './group-commits.js';
import { errorCode, errorMessage } from './messaging-events.js';
import { confirmsRemovals, planRemovals } from './removal-plan.js';

/*
 * Keeps this device's MLS groups in line with the server's roster (ADR 0008). The roster decides
 * who should be in a group; the MLS group decides who can read. Per conversation:
 *  - listed, this device not routed: join by external commit (a new device of a user already in
 *    the group at once; a device whose user has no device in the group only on start, since the
 *    member who added the user sends a Welcome and joining at the same time would race it);
 *  - listed, in the group: commit the removal of devices the server no longer routes (revoked,
 *    of disabled users, of users who left or were removed), with the checks of removal-plan.ts;
 *  - not listed (confirmed by a 404): the user left or was removed: the conversation is marked
 *    so, the timeline stays.
 * Runs on start, after every full sync and on a `membership_changed` notice. A failure in one
 * conversation is reported (engine_error) and does not stop the others.
 */
export class RosterReconciler {
  readonly #ctx: EngineContext;
  readonly #lock: SerialQueue;
  readonly #stream: EventStream;
  readonly #commits: GroupCommits;
  readonly #joins: ExternalJoin;

  constructor(
    ctx: EngineContext,
    lock: SerialQueue,
    parts: { stream: EventStream; commits: GroupCommits; joins: ExternalJoin },
  ) {
    this.#ctx = ctx;
    this.#lock = lock;
    this.#stream = parts.stream;
    this.#commits = parts.commits;
    this.#joins = parts.joins;
  }

  /** Every conversation; isStart also joins those where this user has no device yet. */
  async reconcileAll(options: { readonly isStart: boolean }): Promise<void> {
    await this.#lock.run(async () => {
      const views = await this.#ctx.api.listConversations();
      for (const view of views) {
        await this.#guarded(view.id, () => this.#reconcileListed(view, options.isStart));
      }
      const listed = new Set(views.map((v) => v.id));
      for (const conversationId of await this.#ctx.groups.conversationIds()) {
        if (listed.has(conversationId)) continue;
        await this.#guarded(conversationId, () => this.#reconcileUnlisted(conversationId));
      }
    });
  }

  /** One conversation, after a notice: catches up first, so the roster meets a current group. */
  async reconcile(conversationId: string): Promise<void> {
    await this.#lock.run(async () => {
      await this.#stream.syncUnlocked();
      const view = await this.#viewOf(conversationId);
      await this.#guarded(conversationId, () =>
        view === null
          ? this.#reconcileUnlisted(conversationId)
          : this.#reconcileListed(view, false),
      );
    });
  }

  /** The user leaves: the server first, then what is still routed to us, then local state. */
  async leave(conversationId: string, leaveOnServer: () => Promise<void>): Promise<void> {
    await this.#lock.run(async () => {
      await leaveOnServer();
      await this.#stream.syncUnlocked();
      await this.#markLeft(conversationId, { isStateDeleted: true });
    });
  }

  async #reconcileListed(view: ConversationView, isStart: boolean): Promise<void> {
    const group = await this.#ctx.groups.group(view.id);
    const isRouted = view.deviceIds.includes(this.#ctx.account.deviceId);
    if (isRouted && group !== null && !group.isRemoved) {
      await this.#removeDeparted(view, group);
      return;
    }
    // Routed without a group: a Welcome the sync brought failed, or our join's answer was lost.
    if (isRouted) {
      await this.#joins.adoptPendingUnlocked(view);
      return;
    }
    if (!isStart && !(await this.#hasOwnDeviceIn(view))) return;
    await this.#joins.joinUnlocked(view);
  }

  /** Whether another device of this user is routed in the conversation. */
  async #hasOwnDeviceIn(view: ConversationView): Promise<boolean> {
    const own = await this.#ctx.api.userIdentity(this.#ctx.account.userId);
    return own.deviceIds.some(
      (id) => id !== this.#ctx.account.deviceId && view.deviceIds.includes(id),
    );
  }

  async #removeDeparted(view: ConversationView, group: MlsGroup): Promise<void> {
    const self = this.#ctx.account.deviceId;
    const plan = planRemovals({ epoch: group.epoch, members: group.members() }, view, self);
    // 'roster_not_current': the next sync or notice comes back with a current one.
    if (plan.kind !== 'remove') return;
    if (
      plan.isLeavingSelfAlone &&
      !confirmsRemovals(plan, view, await this.#viewOf(view.id), self)
    ) {
      return;
    }
    try {
      await this.#commits.removeDevicesUnlocked(view.id, plan.deviceIds);
    } catch (error) {
      // Live devices of current members (a re-enabled user's, say) are for owners to remove.
      if (error instanceof ApiError && error.code === 'forbidden') return;
      throw error;
    }
  }

  async #reconcileUnlisted(conversationId: string): Promise<void> {
    const info = await this.#ctx.groups.info(conversationId);
    const group = await this.#ctx.groups.group(conversationId);
    if (info === null || info.isRemoved || group === null) return;
    // A list that lacks a conversation is not enough to act on: ask for it alone.
    if ((await this.#viewOf(conversationId)) !== null) return;
    await this.#markLeft(conversationId, { isStateDeleted: false });
  }

  /**
   * Marks the conversation as one this user is out of. The device that left deletes the group
   * state too; elsewhere (removed by an owner, or another device of the user left) it stays
   * until the MLS removal or a Welcome, and what is sent is refused by the server.
   */
  async #markLeft(
    conversationId: string,
    options: { readonly isStateDeleted: boolean },
  ): Promise<void> {
    const { groups, store, hub } = this.#ctx;
    const info = await groups.info(conversationId);
    if (info === null) return;
    await store.transaction([
      groups.infoOperation({ ...info, isRemoved: true }),
      ...(options.isStateDeleted
        ? [
            groups.stateDeleteOperation(conversationId),
            groups.pendingDeleteOperation(conversationId),
          ]
        : []),
    ]);
    if (options.isStateDeleted) groups.forget(conversationId);
    hub.emit({ type: 'conversation_left', conversationId });
  }

  /** The roster of one conversation; null when this user is not a member (404). */
  async #viewOf(conversationId: string): Promise<ConversationView | null> {
    try {
      return await this.#ctx.api.conversation(conversationId);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  async #guarded(conversationId: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.#ctx.hub.emit({
        type: 'engine_error',
        task: 'reconcile',
        code: errorCode(error),
        message: `${conversationId}: ${errorMessage(error)}`,
      });
    }
  }
}
