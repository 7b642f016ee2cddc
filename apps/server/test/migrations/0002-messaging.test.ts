import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { asBytes } from '../../src/messaging/bytes.js';
import { migrateTo } from '../../src/storage/migrate.js';
import { describeEachBackend } from '../storage/backends.js';
import { describeColumns, listKeyConstraints, listTables } from '../storage/schema-catalog.js';
import {
  describeLaterMigrations,
  insertConversation,
  insertDevice,
  insertMember,
  insertOrganization,
  insertUser,
  useMigrationBed,
} from './migration-bed.js';

const MIGRATION = '0002-messaging';
const TIMESTAMPTZ = 'timestamp with time zone';
const IDENTITY_TABLES = [
  'organizations',
  'users',
  'devices',
  'sessions',
  'invites',
  'setup_tokens',
  'passkeys',
  'webauthn_challenges',
];

/** The tables this migration creates, as the catalog reports them. Frozen like the migration. */
const COLUMNS: Readonly<Record<string, readonly string[]>> = {
  identity_keys: [
    'user_id uuid not null',
    'organization_id uuid not null',
    'public_key bytea not null',
    `created_at ${TIMESTAMPTZ} not null`,
  ],
  key_packages: [
    'id uuid not null',
    'organization_id uuid not null',
    'device_id uuid not null',
    'ciphersuite integer not null',
    'data bytea not null',
    'is_last_resort boolean not null',
    `created_at ${TIMESTAMPTZ} not null`,
  ],
  conversations: [
    'id uuid not null',
    'organization_id uuid not null',
    'kind text not null',
    'ciphersuite integer not null',
    'epoch bigint not null',
    'last_seq bigint not null',
    'created_by uuid',
    `created_at ${TIMESTAMPTZ} not null`,
    'group_info bytea',
    'ratchet_tree bytea',
  ],
  conversation_members: [
    'conversation_id uuid not null',
    'user_id uuid not null',
    'role text not null',
    `added_at ${TIMESTAMPTZ} not null`,
    `removed_at ${TIMESTAMPTZ}`,
  ],
  conversation_devices: [
    'conversation_id uuid not null',
    'device_id uuid not null',
    'user_id uuid not null',
    'from_seq bigint not null',
    'until_seq bigint',
    'acked_seq bigint not null',
  ],
  conversation_events: [
    'conversation_id uuid not null',
    'seq bigint not null',
    'type text not null',
    'epoch bigint not null',
    'sender_device_id uuid not null',
    'message_id uuid',
    'data bytea not null',
    `sent_at ${TIMESTAMPTZ} not null`,
  ],
  welcomes: [
    'id uuid not null',
    'conversation_id uuid not null',
    'seq bigint not null',
    'epoch bigint not null',
    'sender_device_id uuid not null',
    'data bytea not null',
    'ratchet_tree bytea',
    `created_at ${TIMESTAMPTZ} not null`,
  ],
  welcome_recipients: ['device_id uuid not null', 'welcome_id uuid not null'],
};

const cascade = (table: string, column: string, target: string): string =>
  `${table} foreign key (${column}) references ${target} (id) on delete cascade`;

const KEYS = [
  'identity_keys primary key (user_id)',
  'key_packages primary key (id)',
  'conversations primary key (id)',
  'conversation_members primary key (conversation_id, user_id)',
  'conversation_devices primary key (conversation_id, device_id)',
  'conversation_events primary key (conversation_id, seq)',
  'conversation_events unique (conversation_id, message_id)',
  'welcomes primary key (id)',
  'welcome_recipients primary key (device_id, welcome_id)',
  cascade('identity_keys', 'user_id', 'users'),
  cascade('identity_keys', 'organization_id', 'organizations'),
  cascade('key_packages', 'organization_id', 'organizations'),
  cascade('key_packages', 'device_id', 'devices'),
  cascade('conversations', 'organization_id', 'organizations'),
  'conversations foreign key (created_by) references users (id) on delete set null',
  cascade('conversation_members', 'conversation_id', 'conversations'),
  cascade('conversation_members', 'user_id', 'users'),
  cascade('conversation_devices', 'conversation_id', 'conversations'),
  cascade('conversation_devices', 'device_id', 'devices'),
  cascade('conversation_devices', 'user_id', 'users'),
  cascade('conversation_events', 'conversation_id', 'conversations'),
  cascade('welcomes', 'conversation_id', 'conversations'),
  cascade('welcome_recipients', 'device_id', 'devices'),
  cascade('welcome_recipients', 'welcome_id', 'welcomes'),
];

/** Secondary indexes: what the claim, list, sync and cleanup queries look up by. */
const INDEXES = [
  'conversation_devices_device (device_id)',
  'conversation_members_user (user_id)',
  'conversations_organization (organization_id)',
  'key_packages_claim (device_id, ciphersuite, is_last_resort, created_at)',
  'key_packages_one_last_resort (device_id, ciphersuite) unique where is_last_resort',
  'welcome_recipients_welcome (welcome_id)',
  'welcomes_conversation (conversation_id, seq)',
];

const CHECK_VIOLATION = '23514';
const UNIQUE_VIOLATION = '23505';

describeEachBackend(`migration ${MIGRATION}`, (backend) => {
  // From an empty database: the test sees 0001 and this migration applied together.
  const bed = useMigrationBed(backend, MIGRATION, { from: null });
  const { db, run } = bed;

  /** An organization with one user and one device; returns their ids. */
  const addOwner = async () => {
    const organizationId = await insertOrganization(db());
    const userId = await insertUser(db(), { organizationId });
    const deviceId = await insertDevice(db(), { organizationId, userId });
    return { organizationId, userId, deviceId };
  };

  const addConversation = (organizationId: string, kind = 'group'): Promise<string> =>
    insertConversation(db(), { organizationId, kind });

  const addEvent = (conversationId: string, seq: number, type: string, messageId: string | null) =>
    run(sql`insert into conversation_events
        (conversation_id, seq, type, epoch, sender_device_id, message_id, data, sent_at)
      values (${conversationId}, ${seq}, ${type}, 0, ${randomUUID()}, ${messageId},
        ${new Uint8Array([1])}, now())`);

  const addKeyPackage = (
    owner: { organizationId: string; deviceId: string },
    isLastResort: boolean,
  ) =>
    run(sql`insert into key_packages
        (id, organization_id, device_id, ciphersuite, data, is_last_resort, created_at)
      values (${randomUUID()}, ${owner.organizationId}, ${owner.deviceId}, 83,
        ${new Uint8Array([1])}, ${isLastResort}, now())`);

  describe('on an empty database', () => {
    it('applies the identity migration and this one', () => {
      expect(bed.applied()).toEqual(['0001-identity', MIGRATION]);
    });

    it('adds exactly the messaging tables', async () => {
      expect(await listTables(db())).toEqual([...IDENTITY_TABLES, ...Object.keys(COLUMNS)].sort());
    });

    it('creates each column with its type and nullability', async () => {
      for (const [table, columns] of Object.entries(COLUMNS)) {
        expect({ table, columns: await describeColumns(db(), table) }).toEqual({ table, columns });
      }
    });

    it('creates the primary, unique and foreign keys', async () => {
      const ours = (await listKeyConstraints(db())).filter((k) =>
        Object.keys(COLUMNS).includes(k.split(' ')[0] ?? ''),
      );
      expect(ours).toEqual([...KEYS].sort());
    });

    it('creates the indexes the delivery queries use', async () => {
      const { rows } = await sql<{ indexname: string; indexdef: string }>`
        select indexname, indexdef from pg_indexes
        where schemaname = 'public' and tablename in (${sql.join(Object.keys(COLUMNS))})
          and indexname not like '%_pk' and indexname not like '%_pkey'
          and indexname <> 'conversation_events_message'`.execute(db());
      const described = rows.map(
        (r) =>
          `${r.indexname} (${/\((.*?)\)/.exec(r.indexdef)?.[1] ?? '?'})` +
          (r.indexdef.includes('UNIQUE') ? ' unique' : '') +
          (r.indexdef.includes(' WHERE ') ? ' where is_last_resort' : ''),
      );
      expect(described.sort()).toEqual(INDEXES);
    });

    it('rejects an unknown conversation kind, member role or event type', async () => {
      const owner = await addOwner();
      await expect(addConversation(owner.organizationId, 'broadcast')).rejects.toMatchObject({
        code: CHECK_VIOLATION,
      });
      const conversationId = await addConversation(owner.organizationId, 'channel');
      const addMember = (role: string) =>
        insertMember(db(), { conversationId, userId: owner.userId, role });
      await expect(addMember('admin')).rejects.toMatchObject({ code: CHECK_VIOLATION });
      await addMember('poster');
      await expect(addEvent(conversationId, 1, 'proposal', null)).rejects.toMatchObject({
        code: CHECK_VIOLATION,
      });
    });

    it('requires a message id on messages only, unique within a conversation', async () => {
      const { organizationId } = await addOwner();
      const conversationId = await addConversation(organizationId);
      const messageId = randomUUID();
      await expect(addEvent(conversationId, 1, 'message', null)).rejects.toMatchObject({
        code: CHECK_VIOLATION,
      });
      await expect(addEvent(conversationId, 1, 'commit', randomUUID())).rejects.toMatchObject({
        code: CHECK_VIOLATION,
      });
      await addEvent(conversationId, 1, 'message', messageId);
      await addEvent(conversationId, 2, 'commit', null);
      await addEvent(conversationId, 3, 'commit', null);
      await expect(addEvent(conversationId, 4, 'message', messageId)).rejects.toMatchObject({
        code: UNIQUE_VIOLATION,
      });
      await addEvent(await addConversation(organizationId), 1, 'message', messageId);
    });

    it('rejects a routing interval that ends before it starts or a cursor before its start', async () => {
      const owner = await addOwner();
      const conversationId = await addConversation(owner.organizationId);
      const route = (fromSeq: number, untilSeq: number | null, ackedSeq: number) =>
        run(sql`insert into conversation_devices
            (conversation_id, device_id, user_id, from_seq, until_seq, acked_seq)
          values (${conversationId}, ${owner.deviceId}, ${owner.userId}, ${fromSeq},
            ${untilSeq}, ${ackedSeq})`);
      await expect(route(5, 4, 5)).rejects.toMatchObject({ code: CHECK_VIOLATION });
      await expect(route(5, null, 4)).rejects.toMatchObject({ code: CHECK_VIOLATION });
      await route(5, 5, 5);
    });

    it('keeps one last-resort key package per device and suite, and any number of one-time ones', async () => {
      const owner = await addOwner();
      await addKeyPackage(owner, false);
      await addKeyPackage(owner, false);
      await addKeyPackage(owner, true);
      await expect(addKeyPackage(owner, true)).rejects.toMatchObject({ code: UNIQUE_VIOLATION });
    });

    it('returns bytea as the stored bytes, a plain Uint8Array once normalised', async () => {
      const owner = await addOwner();
      const bytes = new Uint8Array([0, 255, 1, 128, 7]);
      await run(sql`insert into identity_keys (user_id, organization_id, public_key, created_at)
        values (${owner.userId}, ${owner.organizationId}, ${bytes}, now())`);
      const { rows } = await sql<{ public_key: Uint8Array }>`
        select public_key from identity_keys where user_id = ${owner.userId}`.execute(db());
      const stored = asBytes(rows[0]!.public_key);
      expect(stored.constructor).toBe(Uint8Array);
      expect([...stored]).toEqual([...bytes]);
    });

    it('keeps the event log when its sender device is deleted, and deletes the rest with it', async () => {
      const owner = await addOwner();
      const conversationId = await addConversation(owner.organizationId);
      await addKeyPackage(owner, false);
      await run(sql`insert into conversation_devices
          (conversation_id, device_id, user_id, from_seq, acked_seq)
        values (${conversationId}, ${owner.deviceId}, ${owner.userId}, 0, 0)`);
      await run(sql`insert into conversation_events
          (conversation_id, seq, type, epoch, sender_device_id, data, sent_at)
        values (${conversationId}, 1, 'commit', 0, ${owner.deviceId}, ${new Uint8Array([1])}, now())`);

      await run(sql`delete from devices where id = ${owner.deviceId}`);

      const count = async (table: string, column: string, value: string) => {
        const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}
          where ${sql.ref(column)} = ${value}`.execute(db());
        return rows[0]?.n;
      };
      expect(await count('key_packages', 'device_id', owner.deviceId)).toBe(0);
      expect(await count('conversation_devices', 'device_id', owner.deviceId)).toBe(0);
      expect(await count('conversation_events', 'sender_device_id', owner.deviceId)).toBe(1);
    });

    it('deletes every messaging row of an organization together with it', async () => {
      const owner = await addOwner();
      const conversationId = await addConversation(owner.organizationId);
      const welcomeId = randomUUID();
      await addKeyPackage(owner, true);
      await addEvent(conversationId, 1, 'message', randomUUID());
      await run(sql`insert into identity_keys (user_id, organization_id, public_key, created_at)
        values (${owner.userId}, ${owner.organizationId}, ${new Uint8Array([1])}, now())`);
      await insertMember(db(), { conversationId, userId: owner.userId, role: 'owner' });
      await run(sql`insert into conversation_devices
          (conversation_id, device_id, user_id, from_seq, acked_seq)
        values (${conversationId}, ${owner.deviceId}, ${owner.userId}, 0, 0)`);
      await run(sql`insert into welcomes
          (id, conversation_id, seq, epoch, sender_device_id, data, created_at)
        values (${welcomeId}, ${conversationId}, 1, 1, ${owner.deviceId}, ${new Uint8Array([1])}, now())`);
      await run(sql`insert into welcome_recipients (device_id, welcome_id)
        values (${owner.deviceId}, ${welcomeId})`);

      await run(sql`delete from organizations where id = ${owner.organizationId}`);

      const { rows } = await sql<{ n: number }>`
        select (select count(*) from conversations where id = ${conversationId})
          + (select count(*) from welcomes where id = ${welcomeId})
          + (select count(*) from welcome_recipients where welcome_id = ${welcomeId})
          + (select count(*) from identity_keys where user_id = ${owner.userId})
          + (select count(*) from key_packages where device_id = ${owner.deviceId})
          + (select count(*) from conversation_events where conversation_id = ${conversationId})
          + (select count(*) from conversation_members where conversation_id = ${conversationId})
          + (select count(*) from conversation_devices where conversation_id = ${conversationId})
          as n`.execute(db());
      expect(rows).toEqual([{ n: 0 }]);
    });

    it('applies nothing when asked for the same migration again', async () => {
      expect((await migrateTo(db(), MIGRATION)).applied).toEqual([]);
    });
  });

  // Runs last: it moves the schema past this migration.
  describeLaterMigrations(bed);
});
