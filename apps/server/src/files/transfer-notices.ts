import type { Kysely } from 'kysely';
import type { Delivery, Notice } from '../messaging/delivery.js';
import type { Database } from '../storage/schema.js';

/**
 * Tells the sender's devices that are connected now that a transfer of theirs is being
 * downloaded. Best effort like every push: the download is recorded before, and the sender's
 * transfer list (GET /api/transfers) shows it to a device that was offline.
 */
export function transferNotifier(
  db: Kysely<Database>,
  delivery: Pick<Delivery, 'pushNotice'>,
): (
  organizationId: string,
  userId: string,
  notice: Extract<Notice, { type: 'transfer_downloaded' }>,
) => Promise<void> {
  return async (organizationId, userId, notice) => {
    const devices = await db
      .selectFrom('devices')
      .select('id')
      .where('organization_id', '=', organizationId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute();
    for (const device of devices) delivery.pushNotice(device.id, notice);
  };
}
