import { sql, type Kysely } from 'kysely';

/**
 * Encrypted files (ADR 0013): one row per blob, created when its tus upload is created and
 * completed when the last byte arrived. The server knows who uploaded it, for which
 * conversation (whose current members may read it), and its ciphertext size (for the
 * per-organization quota), never its name, type or content.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('files')
    // The blob id, which is also the tus upload id.
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('uploader_user_id', 'uuid', (c) =>
      c.notNull().references('users.id').onDelete('cascade'),
    )
    .addColumn('uploader_device_id', 'uuid', (c) =>
      c.notNull().references('devices.id').onDelete('cascade'),
    )
    .addColumn('conversation_id', 'uuid', (c) =>
      c.notNull().references('conversations.id').onDelete('cascade'),
    )
    .addColumn('size_bytes', 'bigint', (c) => c.notNull().check(sql`size_bytes >= 0`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('uploading', 'complete')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('completed_at', 'timestamptz')
    .addCheckConstraint(
      'files_completed_when_complete',
      sql`(status = 'complete') = (completed_at is not null)`,
    )
    .execute();
  // The quota sums per organization; reads and cascades go by conversation; the sweeper looks
  // for old unfinished uploads.
  await db.schema
    .createIndex('files_organization')
    .on('files')
    .columns(['organization_id'])
    .execute();
  await db.schema
    .createIndex('files_conversation')
    .on('files')
    .columns(['conversation_id'])
    .execute();
  await db.schema
    .createIndex('files_status_created')
    .on('files')
    .columns(['status', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('files').execute();
}
