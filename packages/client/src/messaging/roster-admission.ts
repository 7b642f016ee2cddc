import type { ExternalJoiner, ProcessOptions } from '@amtsbote/crypto';
import { ApiError } from '../http-api.js';
import type { EngineContext } from './engine-context.js';
import { classifyFailure } from './send-errors.js';

/*
 * Which external commits this device accepts (ADR 0008). The MLS facade always accepts a further
 * device of a user who has one in the group, if its credential verifies. A device of a user with
 * none in the group (added by the roster, or whose devices were all removed) is accepted only when
 * the server's roster says the user was a member when the commit was stored: a member now, or a
 * former member whose membership lasted up to the commit's seq or beyond. Asking "now" would make
 * a device that processes the commit late (it was offline) refuse what the others accepted, and
 * split the group. The roster is the server's word, as it is
 * for who should be in the group at all; the MLS group still decides who can read, and the
 * joining device is shown to every member.
 *
 * A refused commit that the server ordered leaves this device behind the group for good, so a
 * roster that cannot be read (network) must not refuse: that error is thrown again instead of
 * becoming a refusal, and the event is processed on the next sync.
 */
export interface RosterAdmission {
  readonly options: ProcessOptions;
  /** The error that kept the roster from being read, if that is why processing failed. */
  readonly unreachable: () => unknown;
}

export function rosterAdmission(
  ctx: EngineContext,
  conversationId: string,
  commitSeq: number,
): RosterAdmission {
  let unreachable: unknown = null;
  const admitsNewUser = async (joiner: ExternalJoiner): Promise<boolean> => {
    try {
      const view = await ctx.api.conversation(conversationId);
      const wasMember = view.formerMembers.some(
        (m) =>
          m.userId === joiner.userId && m.departedAtSeq !== null && m.departedAtSeq >= commitSeq,
      );
      return wasMember || view.members.some((m) => m.userId === joiner.userId);
    } catch (error) {
      // Not found: this device's user is no longer a member, and the roster is closed to it.
      // The events up to its removal still reach it, and it must read what was sent to it
      // there as the members do; refusing the join would leave it behind the group for those.
      // So it follows the members, who checked the roster. The device is on its way out: an
      // honest server refuses what it sends from now on, and the join shows in its timeline.
      if (error instanceof ApiError && error.status === 404) return true;
      if (error instanceof ApiError && classifyFailure(error) !== 'transient') return false;
      unreachable = error;
      throw error;
    }
  };
  return { options: { admitsNewUser }, unreachable: () => unreachable };
}
