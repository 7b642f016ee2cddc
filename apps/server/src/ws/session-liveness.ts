import { sql } from 'kysely';
import type { IdentityContext } from '../identity/identity-context.js';
import type { SessionEndReason } from '../identity/session-events.js';

/*
 * What the WebSocket liveness check reads. Sessions ended on another node, or written straight
 * into storage, reach this process by no event; the check finds them. It reads only what
 * changed since its last run (indexes of migration 0015), not every open session: a node
 * holding 19,000 sessions would otherwise look each one up every few seconds.
 */

export interface EndedSession {
  readonly sessionId: string;
  readonly organizationId: string;
  readonly reason: SessionEndReason;
}

/**
 * How far before its last run the check looks: other nodes' clocks may be behind this one's,
 * and a change is stamped before its transaction commits.
 */
export const LIVENESS_LOOKBACK_MS = 60_000;

/**
 * Sessions that ended, whose device was revoked or whose user was disabled at or after
 * `since`, in every organization. Every writer stamps the change: ended_at, revoked_at, and
 * a user's updated_at with its status. The same session may be named more than once.
 */
export async function findSessionsEndedSince(
  ctx: IdentityContext,
  since: Date,
): Promise<EndedSession[]> {
  const { rows } = await sql<{ id: string; organization_id: string; reason: SessionEndReason }>`
    select s.id, s.organization_id, 'session_ended' as reason
    from sessions s
    where s.ended_at is not null and s.ended_at >= ${since}
    union all
    select s.id, s.organization_id, 'device_revoked' as reason
    from devices d
    join sessions s on s.device_id = d.id and s.ended_at is null
    where d.revoked_at is not null and d.revoked_at >= ${since}
    union all
    select s.id, s.organization_id, 'user_disabled' as reason
    from users u
    join sessions s on s.user_id = u.id and s.ended_at is null
    where u.status <> 'active' and u.updated_at >= ${since}
  `.execute(ctx.db);
  return rows.map((r) => ({
    sessionId: r.id,
    organizationId: r.organization_id,
    reason: r.reason,
  }));
}

export interface SessionsRechecked {
  /** Of the sessions asked about, those no longer live (a session that is gone, too). */
  readonly ended: readonly EndedSession[];
  /** The others, with their expiry now: sessions are extended while they are used. */
  readonly expiries: ReadonlyMap<string, Date>;
}

/** Sessions looked up per query. */
const BATCH = 5_000;

interface KnownSession {
  readonly sessionId: string;
  readonly organizationId: string;
}

/** Looks up the given sessions (those whose known expiry passed), a batch per query. */
export async function recheckSessions(
  ctx: IdentityContext,
  sessions: readonly KnownSession[],
): Promise<SessionsRechecked> {
  const ended: EndedSession[] = [];
  const expiries = new Map<string, Date>();
  for (let i = 0; i < sessions.length; i += BATCH) {
    await recheckBatch(ctx, sessions.slice(i, i + BATCH), ended, expiries);
  }
  return { ended, expiries };
}

async function recheckBatch(
  ctx: IdentityContext,
  sessions: readonly KnownSession[],
  ended: EndedSession[],
  expiries: Map<string, Date>,
): Promise<void> {
  const now = ctx.clock.now();
  const rows = await ctx.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .innerJoin('devices', 'devices.id', 'sessions.device_id')
    .select([
      'sessions.id',
      'sessions.ended_at',
      'sessions.expires_at',
      'users.status',
      'devices.revoked_at',
    ])
    .where(
      'sessions.id',
      'in',
      sessions.map((s) => s.sessionId),
    )
    .execute();
  const found = new Map(rows.map((row) => [row.id, row]));
  for (const { sessionId, organizationId } of sessions) {
    const row = found.get(sessionId);
    const reason: SessionEndReason | null =
      row === undefined
        ? 'session_ended'
        : row.revoked_at !== null
          ? 'device_revoked'
          : row.status !== 'active'
            ? 'user_disabled'
            : row.ended_at !== null || row.expires_at <= now
              ? 'session_ended'
              : null;
    if (reason === null && row !== undefined) expiries.set(sessionId, row.expires_at);
    else if (reason !== null) ended.push({ sessionId, organizationId, reason });
  }
}
