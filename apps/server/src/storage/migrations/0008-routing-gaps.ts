import { sql, type Kysely } from 'kysely';

/**
 * Stretches of a conversation's log a routed device must not receive: it was removed at
 * after_seq and added again at until_seq before it had fetched the end of its earlier
 * interval. The earlier events stay due to it (nothing it was sent is lost); the events of the
 * time it was not a member are never routed to it. A gap below the device's cursor is spent.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('routing_gaps')
    .addColumn('conversation_id', 'uuid', (c) => c.notNull())
    .addColumn('device_id', 'uuid', (c) => c.notNull())
    .addColumn('after_seq', 'bigint', (c) => c.notNull())
    .addColumn('until_seq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('routing_gaps_pk', ['conversation_id', 'device_id', 'after_seq'])
    .addForeignKeyConstraint(
      'routing_gaps_routing',
      ['conversation_id', 'device_id'],
      'conversation_devices',
      ['conversation_id', 'device_id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addCheckConstraint('routing_gaps_stretch', sql`after_seq >= 0 and until_seq > after_seq`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('routing_gaps').execute();
}
