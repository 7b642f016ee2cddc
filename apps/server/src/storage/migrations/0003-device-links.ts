import { sql, type Kysely } from 'kysely';

/**
 * Device approval and recovery (ADR 0007). device_links: a new device's request to receive the
 * user secrets (its HPKE public key and two tags), and once approved the secrets sealed to that
 * key until the device fetched them. recovery_blobs: the user secrets sealed under the user's
 * recovery key, one per user. The server holds only ciphertext and commitments.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('device_links')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // The new device; it has at most one link at a time.
    .addColumn('device_id', 'uuid', (c) =>
      c.notNull().unique().references('devices.id').onDelete('cascade'),
    )
    .addColumn('public_key', 'bytea', (c) => c.notNull())
    .addColumn('code_tag', 'bytea', (c) => c.notNull())
    .addColumn('qr_tag', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    // The approver is kept for the record; the link outlives it.
    .addColumn('approved_by_device_id', 'uuid', (c) =>
      c.references('devices.id').onDelete('set null'),
    )
    .addColumn('approved_at', 'timestamptz')
    .addColumn('sealed_secrets', 'bytea')
    .addColumn('confirmation', 'bytea')
    .addColumn('fetched_at', 'timestamptz')
    .addCheckConstraint(
      'device_links_tags',
      sql`octet_length(code_tag) = 32 and octet_length(qr_tag) = 32`,
    )
    .addCheckConstraint('device_links_lifetime', sql`expires_at > created_at`)
    // Sealed secrets exist only between approval and fetch, always with their confirmation.
    .addCheckConstraint(
      'device_links_approval',
      sql`(sealed_secrets is null) = (confirmation is null)
        and (sealed_secrets is null or approved_at is not null)
        and (fetched_at is null or (approved_at is not null and sealed_secrets is null))`,
    )
    .execute();
  await db.schema
    .createIndex('device_links_user')
    .on('device_links')
    .columns(['user_id', 'expires_at'])
    .execute();
  // Deleting a device sets its approvals to null; this finds them.
  await db.schema
    .createIndex('device_links_approved_by')
    .on('device_links')
    .columns(['approved_by_device_id'])
    .execute();

  await db.schema
    .createTable('recovery_blobs')
    .addColumn('user_id', 'uuid', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('sealed_secrets', 'bytea', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('recovery_blobs').execute();
  await db.schema.dropTable('device_links').execute();
}
