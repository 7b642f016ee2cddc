import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { MessagingContext } from './messaging-context.js';

/*
 * When the roster or the routing of a conversation changes without a commit (a device revoked,
 * a user disabled, a user who left or was added), the devices that should act are told with a
 * `membership_changed` notice: members' devices reconcile their MLS group with the roster
 * (commit removals, join by external commit), former members' devices learn they are out
 * (ADR 0008). Best effort like every push: a device that misses it reconciles on start and on
 * every full sync.
 */

/** Who is told: the current members' devices, and/or the devices of the given users. */
export interface NoticeAudience {
  readonly members: boolean;
  readonly userIds: readonly string[];
}

/**
 * The live devices of the audience: current members' devices routed or not (a device that
 * should join is told as well), and the given users' (e.g. former members who should learn it).
 */
async function listNoticeRecipients(
  db: Kysely<Database>,
  conversationId: string,
  audience: NoticeAudience,
): Promise<string[]> {
  const members = audience.members
    ? await db
        .selectFrom('conversation_members')
        .select('user_id')
        .where('conversation_id', '=', conversationId)
        .where('removed_at', 'is', null)
        .execute()
    : [];
  const userIds = [...new Set([...members.map((m) => m.user_id), ...audience.userIds])];
  if (userIds.length === 0) return [];
  const rows = await db
    .selectFrom('devices as d')
    .innerJoin('users as u', 'u.id', 'd.user_id')
    .select('d.id')
    .where('d.user_id', 'in', userIds)
    .where('d.revoked_at', 'is', null)
    .where('u.status', '=', 'active')
    .execute();
  return rows.map((r) => r.id);
}

/** Pushes the notice for each conversation; failures are logged, never thrown (best effort). */
export async function noticeMembershipChanged(
  ctx: MessagingContext,
  conversationIds: Iterable<string>,
  audience: NoticeAudience = { members: true, userIds: [] },
): Promise<void> {
  for (const conversationId of new Set(conversationIds)) {
    try {
      const recipients = await listNoticeRecipients(ctx.db, conversationId, audience);
      for (const deviceId of recipients) {
        ctx.delivery.pushNotice(deviceId, { type: 'membership_changed', conversationId });
      }
    } catch (error) {
      ctx.logger.warn(
        { err: error, conversationId },
        'membership notice failed; devices reconcile on their next sync',
      );
    }
  }
}
