import { sql, type Kysely } from 'kysely';

/**
 * Why a former member is no longer one: they left, or an owner removed them (ADR 0008). Members'
 * timelines tell "left" from "removed" by it. Former members from before were all removed by an
 * owner (there was no way to leave). A current member has no departure, a former one has one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('conversation_members').addColumn('departure', 'text').execute();
  await sql`update conversation_members set departure = 'removed' where removed_at is not null`.execute(
    db,
  );
  await db.schema
    .alterTable('conversation_members')
    .addCheckConstraint(
      'conversation_members_departure',
      sql`(removed_at is null) = (departure is null) and departure in ('left', 'removed')`,
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('conversation_members')
    .dropConstraint('conversation_members_departure')
    .execute();
  await db.schema.alterTable('conversation_members').dropColumn('departure').execute();
}
