import type { Kysely } from 'kysely';
import type { Database, DeviceRow, SessionRow } from '../storage/schema.js';

export async function insertSession(db: Kysely<Database>, row: SessionRow): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

/** Looks a session up by the hash of its token, across organizations: the token decides which. */
export async function findLiveSessionByTokenHash(
  db: Kysely<Database>,
  tokenHash: string,
  now: Date,
): Promise<SessionRow | undefined> {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('ended_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

export interface SessionWithDevice {
  readonly session: SessionRow;
  readonly deviceName: DeviceRow['name'];
}

export async function listLiveSessionsOfUser(
  db: Kysely<Database>,
  organizationId: string,
  userId: string,
  now: Date,
): Promise<SessionWithDevice[]> {
  const rows = await db
    .selectFrom('sessions')
    .innerJoin('devices', 'devices.id', 'sessions.device_id')
    .selectAll('sessions')
    .select('devices.name as device_name')
    .where('sessions.organization_id', '=', organizationId)
    .where('sessions.user_id', '=', userId)
    .where('sessions.ended_at', 'is', null)
    .where('sessions.expires_at', '>', now)
    .orderBy('sessions.created_at')
    .execute();
  return rows.map(({ device_name, ...session }) => ({ session, deviceName: device_name }));
}

/** Which sessions to end; at least one criterion, so a mistake cannot end a whole organization. */
export type SessionFilter =
  | { readonly sessionId: string; readonly userId?: string }
  | { readonly userId: string }
  | { readonly deviceId: string };

/** Ends the live sessions that match, returns their ids. */
export async function endSessions(
  db: Kysely<Database>,
  organizationId: string,
  filter: SessionFilter,
  at: Date,
): Promise<string[]> {
  let q = db
    .updateTable('sessions')
    .set({ ended_at: at })
    .where('organization_id', '=', organizationId)
    .where('ended_at', 'is', null);
  if ('sessionId' in filter) q = q.where('id', '=', filter.sessionId);
  if ('userId' in filter && filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
  if ('deviceId' in filter) q = q.where('device_id', '=', filter.deviceId);
  const rows = await q.returning('id').execute();
  return rows.map((r) => r.id);
}

export async function touchSession(
  db: Kysely<Database>,
  sessionId: string,
  at: Date,
  expiresAt: Date,
): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ last_used_at: at, expires_at: expiresAt })
    .where('id', '=', sessionId)
    .where('ended_at', 'is', null)
    .execute();
}
