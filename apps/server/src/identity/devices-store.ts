import type { Kysely } from 'kysely';
import type { Database, DeviceRow } from '../storage/schema.js';

export async function insertDevice(db: Kysely<Database>, row: DeviceRow): Promise<void> {
  await db.insertInto('devices').values(row).execute();
}

export async function findDevice(
  db: Kysely<Database>,
  organizationId: string,
  deviceId: string,
): Promise<DeviceRow | undefined> {
  return db
    .selectFrom('devices')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', '=', deviceId)
    .executeTakeFirst();
}

export async function listDevicesOfUser(
  db: Kysely<Database>,
  organizationId: string,
  userId: string,
): Promise<DeviceRow[]> {
  return db
    .selectFrom('devices')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();
}

export async function markDeviceRevoked(
  db: Kysely<Database>,
  organizationId: string,
  deviceId: string,
  at: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('devices')
    .set({ revoked_at: at })
    .where('organization_id', '=', organizationId)
    .where('id', '=', deviceId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function touchDevice(
  db: Kysely<Database>,
  organizationId: string,
  deviceId: string,
  at: Date,
): Promise<void> {
  await db
    .updateTable('devices')
    .set({ last_seen_at: at })
    .where('organization_id', '=', organizationId)
    .where('id', '=', deviceId)
    .execute();
}
