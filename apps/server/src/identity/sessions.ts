import type { DeviceInfo, SessionGrant } from '@amtsbote/protocol';
import { hashToken, randomToken } from '@amtsbote/crypto';
import type { Kysely } from 'kysely';
import { AppError } from '../errors.js';
import type { Database, DeviceRow, OrganizationRow, UserRow } from '../storage/schema.js';
import { insertDevice } from './devices-store.js';
import type { IdentityContext } from './identity-context.js';
import { insertSession, touchSession } from './sessions-store.js';
import { toDeviceView, toOrganizationView, toUserView } from './views.js';

/** Who is calling: the result of checking a session token. */
export interface Principal {
  readonly organizationId: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly sessionId: string;
  readonly role: UserRow['role'];
  /** When the session expires unless it is used again (then it is extended). */
  readonly expiresAt: Date;
}

/** Touching a session on every request would write on every read; once a minute is enough. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Registers a new device for the user and opens a session on it, inside the caller's
 * transaction. The token is returned once; only its hash is stored.
 */
export async function openSessionOnNewDevice(
  ctx: IdentityContext,
  tx: Kysely<Database>,
  organization: OrganizationRow,
  user: UserRow,
  deviceInfo: DeviceInfo,
): Promise<SessionGrant> {
  const now = ctx.clock.now();
  const device: DeviceRow = {
    id: ctx.newId(),
    organization_id: organization.id,
    user_id: user.id,
    name: deviceInfo.name,
    platform: deviceInfo.platform,
    kind: deviceInfo.kind,
    created_at: now,
    last_seen_at: now,
    revoked_at: null,
  };
  await insertDevice(tx, device);
  const token = randomToken();
  const expiresAt = new Date(now.getTime() + ctx.policy.sessionTtlMs);
  const sessionId = ctx.newId();
  await insertSession(tx, {
    id: sessionId,
    organization_id: organization.id,
    user_id: user.id,
    device_id: device.id,
    token_hash: await hashToken(token),
    created_at: now,
    last_used_at: now,
    expires_at: expiresAt,
    ended_at: null,
  });
  return {
    status: 'authenticated',
    token,
    sessionId,
    expiresAt: expiresAt.toISOString(),
    user: toUserView(user),
    device: toDeviceView(device, device.id),
    organization: toOrganizationView(organization),
  };
}

const unauthenticated = (): AppError =>
  new AppError(401, 'unauthenticated', 'a valid session is required');

/**
 * Checks a bearer token: the session must be live, its user active and its device not revoked.
 * One query, since this runs on every authenticated request.
 */
export async function authenticate(ctx: IdentityContext, token: string): Promise<Principal> {
  const now = ctx.clock.now();
  const tokenHash = await hashToken(token);
  const row = await ctx.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .innerJoin('devices', 'devices.id', 'sessions.device_id')
    .select([
      'sessions.id as session_id',
      'sessions.organization_id',
      'sessions.user_id',
      'sessions.device_id',
      'sessions.last_used_at',
      'sessions.expires_at',
      'users.role',
      'users.status',
      'devices.revoked_at',
    ])
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.ended_at', 'is', null)
    .where('sessions.expires_at', '>', now)
    .executeTakeFirst();
  if (row === undefined || row.status !== 'active' || row.revoked_at !== null) {
    throw unauthenticated();
  }
  let expiresAt = row.expires_at;
  if (now.getTime() - row.last_used_at.getTime() > TOUCH_INTERVAL_MS) {
    expiresAt = new Date(now.getTime() + ctx.policy.sessionTtlMs);
    await touchSession(ctx.db, row.session_id, now, expiresAt);
    await ctx.db
      .updateTable('devices')
      .set({ last_seen_at: now })
      .where('id', '=', row.device_id)
      .execute();
  }
  return {
    organizationId: row.organization_id,
    userId: row.user_id,
    deviceId: row.device_id,
    sessionId: row.session_id,
    role: row.role,
    expiresAt,
  };
}
