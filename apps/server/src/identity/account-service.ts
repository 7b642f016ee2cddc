import type { DeviceView, MeResponse, SessionView } from '@amtsbote/protocol';
import { AppError, notFound } from '../errors.js';
import { findDevice, listDevicesOfUser } from './devices-store.js';
import type { IdentityContext } from './identity-context.js';
import { findOrganizationById } from './organizations-store.js';
import type { Principal } from './sessions.js';
import { endSessions, listLiveSessionsOfUser } from './sessions-store.js';
import { findUserById } from './users-store.js';
import { toDeviceView, toOrganizationView, toSessionView, toUserView } from './views.js';
import { revokeDeviceAndSessions } from './device-revocation.js';

export async function describeMe(ctx: IdentityContext, principal: Principal): Promise<MeResponse> {
  const [user, device, organization] = await Promise.all([
    findUserById(ctx.db, principal.organizationId, principal.userId),
    findDevice(ctx.db, principal.organizationId, principal.deviceId),
    findOrganizationById(ctx.db, principal.organizationId),
  ]);
  if (user === undefined || device === undefined || organization === undefined) {
    throw new AppError(401, 'unauthenticated', 'a valid session is required');
  }
  return {
    user: toUserView(user),
    device: toDeviceView(device, principal.deviceId),
    organization: toOrganizationView(organization),
    sessionId: principal.sessionId,
    requirePasskey: user.require_passkey,
  };
}

export async function listMySessions(
  ctx: IdentityContext,
  principal: Principal,
): Promise<SessionView[]> {
  const rows = await listLiveSessionsOfUser(
    ctx.db,
    principal.organizationId,
    principal.userId,
    ctx.clock.now(),
  );
  return rows.map((r) => toSessionView(r.session, r.deviceName, principal.sessionId));
}

/** Ends one of the caller's own sessions (the current one included: that is logout). */
export async function endMySession(
  ctx: IdentityContext,
  principal: Principal,
  sessionId: string,
): Promise<void> {
  const ended = await endSessions(
    ctx.db,
    principal.organizationId,
    { sessionId, userId: principal.userId },
    ctx.clock.now(),
  );
  if (ended.length === 0) throw notFound('session_not_found', 'session');
  ctx.events.publish({
    organizationId: principal.organizationId,
    sessionIds: ended,
    reason: 'session_ended',
  });
}

export async function listMyDevices(
  ctx: IdentityContext,
  principal: Principal,
): Promise<DeviceView[]> {
  const rows = await listDevicesOfUser(ctx.db, principal.organizationId, principal.userId);
  return rows.map((r) => toDeviceView(r, principal.deviceId));
}

export async function revokeMyDevice(
  ctx: IdentityContext,
  principal: Principal,
  deviceId: string,
): Promise<void> {
  const device = await findDevice(ctx.db, principal.organizationId, deviceId);
  if (device === undefined || device.user_id !== principal.userId) {
    throw notFound('device_not_found', 'device');
  }
  await revokeDeviceAndSessions(ctx, principal.organizationId, deviceId);
}
