import { sql, type Kysely } from 'kysely';

/**
 * Transfers (Dateitransfer): a complete file shared by a link with an expiry, an optional
 * download limit and an optional password. A standalone transfer's file belongs to no
 * conversation, so files.conversation_id becomes optional (only its uploader reads it through
 * the session API). The server keeps the SHA-256 of the link's access token, the wrapped file
 * key and the sealed metadata (opaque bytes), the counts, and one row per started download
 * with the SHA-256 of its ticket — never the link secret, the password or the file key. Ended
 * transfers stay listed for their sender until the sweeper removes them (30 days).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('files')
    .alterColumn('conversation_id', (c) => c.dropNotNull())
    .execute();
  await db.schema
    .createTable('transfers')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    // null once the file is deleted: the transfer stays in its sender's list as ended.
    .addColumn('file_id', 'uuid', (c) => c.references('files.id').onDelete('set null'))
    .addColumn('sender_user_id', 'uuid', (c) =>
      c.notNull().references('users.id').onDelete('cascade'),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('max_downloads', 'integer', (c) => c.check(sql`max_downloads > 0`))
    .addColumn('download_count', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`download_count >= 0`),
    )
    .addColumn('failed_attempts', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`failed_attempts >= 0`),
    )
    .addColumn('password_protected', 'boolean', (c) => c.notNull())
    .addColumn('access_hash', 'bytea', (c) => c.notNull().check(sql`length(access_hash) = 32`))
    .addColumn('wrapped_key', 'bytea', (c) => c.notNull())
    .addColumn('sealed_metadata', 'bytea', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    // Set with revoked_at when too many wrong access tokens locked the transfer.
    .addColumn('locked', 'boolean', (c) => c.notNull().defaultTo(false))
    .addCheckConstraint(
      'transfers_downloads_within_limit',
      sql`max_downloads is null or download_count <= max_downloads`,
    )
    .addCheckConstraint('transfers_locked_is_revoked', sql`not locked or revoked_at is not null`)
    .execute();
  await db.schema
    .createIndex('transfers_sender')
    .on('transfers')
    .columns(['organization_id', 'sender_user_id', 'created_at'])
    .execute();
  await db.schema.createIndex('transfers_file').on('transfers').columns(['file_id']).execute();
  await db.schema
    .createTable('transfer_downloads')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('transfer_id', 'uuid', (c) =>
      c.notNull().references('transfers.id').onDelete('cascade'),
    )
    .addColumn('ticket_hash', 'bytea', (c) =>
      c
        .notNull()
        .unique()
        .check(sql`length(ticket_hash) = 32`),
    )
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ticket_expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('transfer_downloads_transfer')
    .on('transfer_downloads')
    .columns(['transfer_id', 'started_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('transfer_downloads').execute();
  await db.schema.dropTable('transfers').execute();
  // Standalone files cannot exist before this migration; their bytes are swept as orphans.
  await sql`delete from files where conversation_id is null`.execute(db);
  await db.schema
    .alterTable('files')
    .alterColumn('conversation_id', (c) => c.setNotNull())
    .execute();
}
