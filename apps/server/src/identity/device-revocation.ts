import { AppError } from '../errors.js';
import { markDeviceRevoked } from './devices-store.js';
import type { IdentityContext } from './identity-context.js';
import { endSessions } from './sessions-store.js';

/** Revokes a device and ends its sessions in one transaction, then closes its connections. */
export async function revokeDeviceAndSessions(
  ctx: IdentityContext,
  organizationId: string,
  deviceId: string,
): Promise<void> {
  const now = ctx.clock.now();
  const ended = await ctx.db.transaction().execute(async (tx) => {
    if (!(await markDeviceRevoked(tx, organizationId, deviceId, now))) {
      throw new AppError(409, 'device_revoked', 'the device is already revoked');
    }
    return endSessions(tx, organizationId, { deviceId }, now);
  });
  ctx.events.publish({ organizationId, sessionIds: ended, reason: 'device_revoked' });
}
