import { sql, type Kysely } from 'kysely';

/**
 * Channels and the read-receipt policy.
 *
 * Every application message records the intent its sender declared (post or response), so the
 * server can refuse posts from channel members who are not posters, and receivers can check the
 * decrypted content against it. Messages stored before were not checked: they count as posts.
 *
 * Organization policy lives in its own table, one row per organization that changed a default
 * (no row: every setting at its default), so further settings do not widen `organizations`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('conversation_events').addColumn('intent', 'text').execute();
  await sql`update conversation_events set intent = 'post' where type = 'message'`.execute(db);
  await db.schema
    .alterTable('conversation_events')
    .addCheckConstraint(
      'conversation_events_intent',
      sql`(type = 'message') = (intent is not null) and intent in ('post', 'response')`,
    )
    .execute();

  await db.schema
    .createTable('organization_policies')
    .addColumn('organization_id', 'uuid', (c) =>
      c.primaryKey().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('has_read_receipts', 'boolean', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('organization_policies').execute();
  await db.schema
    .alterTable('conversation_events')
    .dropConstraint('conversation_events_intent')
    .execute();
  await db.schema.alterTable('conversation_events').dropColumn('intent').execute();
}
