import { sql, type Kysely } from 'kysely';

/**
 * The per-user history backup: sealed blocks of a user's decrypted history of a conversation,
 * one row per (organization, user, conversation, block). The server never holds the key; it
 * keeps the size (for the per-user quota) and a revision (for writes conditional on it).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('history_blocks')
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('conversation_id', 'uuid', (c) =>
      c.notNull().references('conversations.id').onDelete('cascade'),
    )
    .addColumn('block', 'bigint', (c) => c.notNull().check(sql`block >= 0`))
    .addColumn('revision', 'bigint', (c) => c.notNull().check(sql`revision >= 1`))
    .addColumn('ciphertext', 'bytea', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    // Pages are read per (user, conversation) by block; the quota sums per (organization, user).
    .addPrimaryKeyConstraint('history_blocks_pk', [
      'organization_id',
      'user_id',
      'conversation_id',
      'block',
    ])
    .addCheckConstraint('history_blocks_size', sql`size > 0 and size = octet_length(ciphertext)`)
    .execute();
  // Deleting a conversation or user cascades; these find the rows to delete.
  await db.schema
    .createIndex('history_blocks_conversation')
    .on('history_blocks')
    .columns(['conversation_id'])
    .execute();
  await db.schema
    .createIndex('history_blocks_user')
    .on('history_blocks')
    .columns(['user_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('history_blocks').execute();
}
