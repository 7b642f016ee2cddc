import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateTo } from '../../src/storage/migrate.js';
import { describeEachBackend } from '../storage/backends.js';
import { describeColumns, listKeyConstraints, listTables } from '../storage/schema-catalog.js';
import {
  describeLaterMigrations,
  insertDevice,
  insertOrganization,
  insertUser,
  useMigrationBed,
} from './migration-bed.js';

const MIGRATION = '0003-device-links';
const TIMESTAMPTZ = 'timestamp with time zone';
const CHECK_VIOLATION = '23514';
const UNIQUE_VIOLATION = '23505';

/** The tables this migration creates, as the catalog reports them. Frozen like the migration. */
const COLUMNS: Readonly<Record<string, readonly string[]>> = {
  device_links: [
    'id uuid not null',
    'organization_id uuid not null',
    'user_id uuid not null',
    'device_id uuid not null',
    'public_key bytea not null',
    'code_tag bytea not null',
    'qr_tag bytea not null',
    `created_at ${TIMESTAMPTZ} not null`,
    `expires_at ${TIMESTAMPTZ} not null`,
    'approved_by_device_id uuid',
    `approved_at ${TIMESTAMPTZ}`,
    'sealed_secrets bytea',
    'confirmation bytea',
    `fetched_at ${TIMESTAMPTZ}`,
  ],
  recovery_blobs: [
    'user_id uuid not null',
    'organization_id uuid not null',
    'sealed_secrets bytea not null',
    `updated_at ${TIMESTAMPTZ} not null`,
  ],
};

const cascade = (table: string, column: string, target: string): string =>
  `${table} foreign key (${column}) references ${target} (id) on delete cascade`;

const KEYS = [
  'device_links primary key (id)',
  'device_links unique (device_id)',
  'recovery_blobs primary key (user_id)',
  cascade('device_links', 'organization_id', 'organizations'),
  cascade('device_links', 'user_id', 'users'),
  cascade('device_links', 'device_id', 'devices'),
  'device_links foreign key (approved_by_device_id) references devices (id) on delete set null',
  cascade('recovery_blobs', 'user_id', 'users'),
  cascade('recovery_blobs', 'organization_id', 'organizations'),
];

const TAG = new Uint8Array(32).fill(7);

describeEachBackend(`migration ${MIGRATION}`, (backend) => {
  let tablesBefore: string[];
  const bed = useMigrationBed(backend, MIGRATION, {
    seed: async (db) => {
      tablesBefore = await listTables(db);
    },
  });
  const { db, run } = bed;

  /** An organization with one user and two devices; returns their ids. */
  const addOwner = async () => {
    const organizationId = await insertOrganization(db());
    const userId = await insertUser(db(), { organizationId });
    const deviceId = await insertDevice(db(), { organizationId, userId });
    const otherDeviceId = await insertDevice(db(), { organizationId, userId });
    return { organizationId, userId, deviceId, otherDeviceId };
  };

  type Owner = Awaited<ReturnType<typeof addOwner>>;

  const addLink = (
    owner: Owner,
    overrides: { id?: string; codeTag?: Uint8Array; lifetime?: string } = {},
  ) =>
    run(sql`insert into device_links
        (id, organization_id, user_id, device_id, public_key, code_tag, qr_tag, created_at,
         expires_at)
      values (${overrides.id ?? randomUUID()}, ${owner.organizationId}, ${owner.userId},
        ${owner.deviceId}, ${new Uint8Array([1, 2, 3])}, ${overrides.codeTag ?? TAG}, ${TAG},
        now(), now() + ${sql.lit(overrides.lifetime ?? '10 minutes')}::interval)`);

  const count = async (table: string, column: string, value: string): Promise<number> => {
    const { rows } = await sql<{ n: string | number }>`select count(*) as n
      from ${sql.table(table)} where ${sql.ref(column)} = ${value}`.execute(db());
    return Number(rows[0]?.n);
  };

  describe('on the schema before it', () => {
    it('applies exactly this migration', () => {
      expect(bed.applied()).toEqual([MIGRATION]);
    });

    it('adds exactly the device link and recovery tables', async () => {
      expect(await listTables(db())).toEqual([...tablesBefore, ...Object.keys(COLUMNS)].sort());
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

    it('creates the indexes the listing and the cleanup use', async () => {
      const { rows } = await sql<{ indexname: string }>`
        select indexname from pg_indexes
        where schemaname = 'public' and tablename in (${sql.join(Object.keys(COLUMNS))})
        order by indexname`.execute(db());
      expect(rows.map((r) => r.indexname)).toEqual([
        'device_links_approved_by',
        'device_links_device_id_key',
        'device_links_pkey',
        'device_links_user',
        'recovery_blobs_pkey',
      ]);
    });

    it('keeps one link per device, with tags of 32 bytes and an expiry after its creation', async () => {
      const owner = await addOwner();
      await expect(addLink(owner, { codeTag: new Uint8Array(31) })).rejects.toMatchObject({
        code: CHECK_VIOLATION,
      });
      await expect(addLink(owner, { lifetime: '-1 second' })).rejects.toMatchObject({
        code: CHECK_VIOLATION,
      });
      await addLink(owner);
      await expect(addLink(owner)).rejects.toMatchObject({ code: UNIQUE_VIOLATION });
    });

    it('holds sealed secrets only between approval and fetch, always with their confirmation', async () => {
      const owner = await addOwner();
      const id = randomUUID();
      await addLink(owner, { id });
      const update = (set: ReturnType<typeof sql>) =>
        run(sql`update device_links set ${set} where id = ${id}`);
      const bytes = new Uint8Array([9]);
      await expect(
        update(sql`sealed_secrets = ${bytes}, confirmation = ${bytes}`),
      ).rejects.toMatchObject({ code: CHECK_VIOLATION });
      await expect(
        update(sql`approved_at = now(), sealed_secrets = ${bytes}`),
      ).rejects.toMatchObject({ code: CHECK_VIOLATION });
      await update(
        sql`approved_at = now(), approved_by_device_id = ${owner.otherDeviceId},
          sealed_secrets = ${bytes}, confirmation = ${bytes}`,
      );
      await expect(update(sql`fetched_at = now()`)).rejects.toMatchObject({
        code: CHECK_VIOLATION,
      });
      await update(sql`fetched_at = now(), sealed_secrets = null, confirmation = null`);
    });

    it('deletes a link with its device, forgets a deleted approver, deletes recovery with the user', async () => {
      const owner = await addOwner();
      const id = randomUUID();
      await addLink(owner, { id });
      await run(sql`update device_links set approved_at = now(),
        approved_by_device_id = ${owner.otherDeviceId} where id = ${id}`);
      await run(sql`insert into recovery_blobs (user_id, organization_id, sealed_secrets, updated_at)
        values (${owner.userId}, ${owner.organizationId}, ${new Uint8Array([1])}, now())`);

      await run(sql`delete from devices where id = ${owner.otherDeviceId}`);
      const { rows } = await sql<{ approved_by_device_id: string | null }>`
        select approved_by_device_id from device_links where id = ${id}`.execute(db());
      expect(rows).toEqual([{ approved_by_device_id: null }]);

      await run(sql`delete from devices where id = ${owner.deviceId}`);
      expect(await count('device_links', 'id', id)).toBe(0);
      expect(await count('recovery_blobs', 'user_id', owner.userId)).toBe(1);
      await run(sql`delete from users where id = ${owner.userId}`);
      expect(await count('recovery_blobs', 'user_id', owner.userId)).toBe(0);
    });

    it('deletes every link and recovery row of an organization together with it', async () => {
      const owner = await addOwner();
      await addLink(owner);
      await run(sql`insert into recovery_blobs (user_id, organization_id, sealed_secrets, updated_at)
        values (${owner.userId}, ${owner.organizationId}, ${new Uint8Array([1])}, now())`);
      await run(sql`delete from organizations where id = ${owner.organizationId}`);
      expect(await count('device_links', 'organization_id', owner.organizationId)).toBe(0);
      expect(await count('recovery_blobs', 'organization_id', owner.organizationId)).toBe(0);
    });

    it('applies nothing when asked for the same migration again', async () => {
      expect((await migrateTo(db(), MIGRATION)).applied).toEqual([]);
    });
  });

  // Runs last: it moves the schema past this migration.
  describeLaterMigrations(bed);
});
