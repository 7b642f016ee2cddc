import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * What the WebSocket liveness check looks up every few seconds: sessions ended, devices revoked
 * and users whose status changed since its last run. Partial indexes: the rows they hold are
 * the few that ended, not every session, device and user.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('sessions_ended_at')
    .on('sessions')
    .column('ended_at')
    .where(sql.ref('ended_at'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('devices_revoked_at')
    .on('devices')
    .column('revoked_at')
    .where(sql.ref('revoked_at'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('users_inactive_updated_at')
    .on('users')
    .column('updated_at')
    .where(sql.ref('status'), '<>', 'active')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('users_inactive_updated_at').execute();
  await db.schema.dropIndex('devices_revoked_at').execute();
  await db.schema.dropIndex('sessions_ended_at').execute();
}
