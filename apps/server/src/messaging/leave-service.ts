import type { leaveConversationRequestSchema } from '@amtsbote/protocol';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import type { Principal } from '../identity/sessions.js';
import { invalidField } from './bytes.js';
import { conversationNotFound } from './conversation-service.js';
import {
  findActiveUserIds,
  loadConversationDetails,
  lockConversationForWriter,
  removeMembers,
  upsertMembers,
} from './conversations-store.js';
import { noticeMembershipChanged } from './membership-notices.js';
import type { MessagingContext } from './messaging-context.js';

/*
 * Leaving (ADR 0008): the caller's user stops being a member; the routing of all their devices
 * ends at the newest event, so they receive nothing sent after. The MLS removal follows: the
 * remaining members' devices are told and commit it, and the leaver's other devices learn that
 * they are out. The last owner of a group or channel cannot leave others without an owner: they
 * name the member who becomes owner, in the same transaction. Direct conversations have no one
 * to hand over to and need none: either side may leave.
 */

export async function leaveConversation(
  ctx: MessagingContext,
  principal: Principal,
  conversationId: string,
  input: z.output<typeof leaveConversationRequestSchema>,
): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (tx) => {
    const state = await lockConversationForWriter(tx, principal.organizationId, conversationId, {
      userId: principal.userId,
      deviceId: principal.deviceId,
    });
    if (state === undefined || state.role === null) throw conversationNotFound();
    const [details] = await loadConversationDetails(tx, [conversationId]);
    const others = (details?.members ?? []).filter((m) => m.userId !== principal.userId);
    const successor = input.successorUserId;
    const needsSuccessor =
      state.kind !== 'direct' &&
      state.role === 'owner' &&
      others.length > 0 &&
      !others.some((m) => m.role === 'owner');
    if (!needsSuccessor && successor !== undefined) {
      throw invalidField('successorUserId', 'only the last owner of a group or channel names one');
    }
    if (needsSuccessor) {
      if (successor === undefined) {
        throw new AppError(409, 'last_owner', 'the last owner names a member as the new owner');
      }
      const isActive = (await findActiveUserIds(tx, principal.organizationId, [successor])).size;
      if (!others.some((m) => m.userId === successor) || isActive === 0) {
        throw invalidField('successorUserId', 'the successor must be an active member');
      }
      await upsertMembers(tx, conversationId, [{ userId: successor, role: 'owner' }], now);
    }
    await removeMembers(tx, conversationId, [principal.userId], state.lastSeq, now, 'left');
  });
  await noticeMembershipChanged(ctx, [conversationId], {
    members: true,
    userIds: [principal.userId],
  });
}
