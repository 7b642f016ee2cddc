import type { IdentityContext } from '../identity/identity-context.js';
import type { SessionEndReason } from '../identity/session-events.js';

export interface EndedSession {
  readonly sessionId: string;
  readonly organizationId: string;
  readonly reason: SessionEndReason;
}

const BATCH = 5_000;

/** Of the given session ids, those that are no longer live, and why. */
export async function findNoLongerLiveSessions(
  ctx: IdentityContext,
  sessionIds: readonly string[],
): Promise<EndedSession[]> {
  const now = ctx.clock.now();
  const out: EndedSession[] = [];
  for (let i = 0; i < sessionIds.length; i += BATCH) {
    const rows = await ctx.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .innerJoin('devices', 'devices.id', 'sessions.device_id')
      .select([
        'sessions.id',
        'sessions.organization_id',
        'sessions.ended_at',
        'sessions.expires_at',
        'users.status',
        'devices.revoked_at',
      ])
      .where('sessions.id', 'in', sessionIds.slice(i, i + BATCH))
      .where((eb) =>
        eb.or([
          eb('sessions.ended_at', 'is not', null),
          eb('sessions.expires_at', '<=', now),
          eb('users.status', '!=', 'active'),
          eb('devices.revoked_at', 'is not', null),
        ]),
      )
      .execute();
    for (const row of rows) {
      const reason: SessionEndReason =
        row.revoked_at !== null
          ? 'device_revoked'
          : row.status !== 'active'
            ? 'user_disabled'
            : 'session_ended';
      out.push({ sessionId: row.id, organizationId: row.organization_id, reason });
    }
  }
  return out;
}
