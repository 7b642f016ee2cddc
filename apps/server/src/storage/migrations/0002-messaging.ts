import { sql, type Kysely } from 'kysely';

/**
 * The delivery service (ADR 0006): identity keys, MLS key packages, conversations with their
 * user membership, the devices routed in each and their cursors, the per-conversation event log
 * and welcomes. MLS objects are opaque bytea; the server never parses them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('identity_keys')
    .addColumn('user_id', 'uuid', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('public_key', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('key_packages')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('device_id', 'uuid', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('ciphersuite', 'integer', (c) =>
      c.notNull().check(sql`ciphersuite between 0 and 65535`),
    )
    .addColumn('data', 'bytea', (c) => c.notNull())
    .addColumn('is_last_resort', 'boolean', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  // Claims take the oldest one-time package of a device and suite.
  await db.schema
    .createIndex('key_packages_claim')
    .on('key_packages')
    .columns(['device_id', 'ciphersuite', 'is_last_resort', 'created_at'])
    .execute();
  await db.schema
    .createIndex('key_packages_one_last_resort')
    .on('key_packages')
    .columns(['device_id', 'ciphersuite'])
    .unique()
    .where(sql.ref('is_last_resort'), '=', true)
    .execute();

  await db.schema
    .createTable('conversations')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('organization_id', 'uuid', (c) =>
      c.notNull().references('organizations.id').onDelete('cascade'),
    )
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('direct', 'group', 'channel')`),
    )
    .addColumn('ciphersuite', 'integer', (c) =>
      c.notNull().check(sql`ciphersuite between 0 and 65535`),
    )
    .addColumn('epoch', 'bigint', (c) => c.notNull().check(sql`epoch >= 0`))
    .addColumn('last_seq', 'bigint', (c) => c.notNull().check(sql`last_seq >= 0`))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('group_info', 'bytea')
    .addColumn('ratchet_tree', 'bytea')
    .execute();
  await db.schema
    .createIndex('conversations_organization')
    .on('conversations')
    .columns(['organization_id'])
    .execute();

  await db.schema
    .createTable('conversation_members')
    .addColumn('conversation_id', 'uuid', (c) =>
      c.notNull().references('conversations.id').onDelete('cascade'),
    )
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('owner', 'poster', 'member')`))
    .addColumn('added_at', 'timestamptz', (c) => c.notNull())
    .addColumn('removed_at', 'timestamptz')
    .addPrimaryKeyConstraint('conversation_members_pk', ['conversation_id', 'user_id'])
    .execute();
  await db.schema
    .createIndex('conversation_members_user')
    .on('conversation_members')
    .columns(['user_id'])
    .execute();

  // A device receives the events with from_seq < seq <= until_seq (until_seq null: no end).
  await db.schema
    .createTable('conversation_devices')
    .addColumn('conversation_id', 'uuid', (c) =>
      c.notNull().references('conversations.id').onDelete('cascade'),
    )
    .addColumn('device_id', 'uuid', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('from_seq', 'bigint', (c) => c.notNull())
    .addColumn('until_seq', 'bigint')
    .addColumn('acked_seq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('conversation_devices_pk', ['conversation_id', 'device_id'])
    .addCheckConstraint(
      'conversation_devices_interval',
      sql`from_seq >= 0 and acked_seq >= from_seq and (until_seq is null or until_seq >= from_seq)`,
    )
    .execute();
  await db.schema
    .createIndex('conversation_devices_device')
    .on('conversation_devices')
    .columns(['device_id'])
    .execute();

  // The sender is kept without a foreign key: removing a device must not punch holes in a log.
  await db.schema
    .createTable('conversation_events')
    .addColumn('conversation_id', 'uuid', (c) =>
      c.notNull().references('conversations.id').onDelete('cascade'),
    )
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('commit', 'message')`))
    .addColumn('epoch', 'bigint', (c) => c.notNull())
    .addColumn('sender_device_id', 'uuid', (c) => c.notNull())
    .addColumn('message_id', 'uuid')
    .addColumn('data', 'bytea', (c) => c.notNull())
    .addColumn('sent_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('conversation_events_pk', ['conversation_id', 'seq'])
    .addUniqueConstraint('conversation_events_message', ['conversation_id', 'message_id'])
    .addCheckConstraint(
      'conversation_events_message_id',
      sql`(type = 'message') = (message_id is not null)`,
    )
    .execute();

  // One welcome per commit, however many devices it adds: it can be megabytes.
  await db.schema
    .createTable('welcomes')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('conversation_id', 'uuid', (c) =>
      c.notNull().references('conversations.id').onDelete('cascade'),
    )
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('epoch', 'bigint', (c) => c.notNull())
    .addColumn('sender_device_id', 'uuid', (c) => c.notNull())
    .addColumn('data', 'bytea', (c) => c.notNull())
    .addColumn('ratchet_tree', 'bytea')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('welcomes_conversation')
    .on('welcomes')
    .columns(['conversation_id', 'seq'])
    .execute();

  await db.schema
    .createTable('welcome_recipients')
    .addColumn('device_id', 'uuid', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('welcome_id', 'uuid', (c) =>
      c.notNull().references('welcomes.id').onDelete('cascade'),
    )
    .addPrimaryKeyConstraint('welcome_recipients_pk', ['device_id', 'welcome_id'])
    .execute();
  await db.schema
    .createIndex('welcome_recipients_welcome')
    .on('welcome_recipients')
    .columns(['welcome_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'welcome_recipients',
    'welcomes',
    'conversation_events',
    'conversation_devices',
    'conversation_members',
    'conversations',
    'key_packages',
    'identity_keys',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
