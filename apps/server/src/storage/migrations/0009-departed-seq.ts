import { sql, type Kysely } from 'kysely';

/**
 * The last seq of the log a former member was a member for (ADR 0008). A device that processes
 * an external commit long after it was stored asks whether the joining user was a member then,
 * not now: members decide alike whenever they process it. Unknown (null) for those who left
 * before this migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('conversation_members').addColumn('departed_seq', 'bigint').execute();
  await db.schema
    .alterTable('conversation_members')
    .addCheckConstraint(
      'conversation_members_departed_seq',
      sql`departed_seq is null or (removed_at is not null and departed_seq >= 0)`,
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('conversation_members')
    .dropConstraint('conversation_members_departed_seq')
    .execute();
  await db.schema.alterTable('conversation_members').dropColumn('departed_seq').execute();
}
