import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { migrateTo } from '../../src/storage/migrate.js';
import { describeEachBackend } from '../storage/backends.js';
import { describeColumns, listKeyConstraints, listTables } from '../storage/schema-catalog.js';
import {
  describeLaterMigrations,
  insertDevice,
  insertOrganization,
  insertUser,
  previousMigration,
  useMigrationBed,
} from './migration-bed.js';

const MIGRATION = '0013-push-subscriptions';
const BEFORE = previousMigration(MIGRATION);
const CHECK_VIOLATION = '23514';
const FOREIGN_KEY_VIOLATION = '23503';
const UNIQUE_VIOLATION = '23505';

describeEachBackend(`migration ${MIGRATION}`, (backend) => {
  const ids = {
    organizationId: randomUUID(),
    userId: randomUUID(),
    deviceId: randomUUID(),
    otherDeviceId: randomUUID(),
  };
  const bed = useMigrationBed(backend, MIGRATION, {
    seed: async (db) => {
      const { organizationId, userId } = ids;
      await insertOrganization(db, { id: organizationId });
      await insertUser(db, { id: userId, organizationId });
      await insertDevice(db, { id: ids.deviceId, organizationId, userId });
      await insertDevice(db, { id: ids.otherDeviceId, organizationId, userId });
    },
  });
  const { db, run } = bed;

  interface SubscriptionValues {
    deviceId?: string;
    endpoint?: string;
    p256dh?: Uint8Array;
    auth?: Uint8Array;
    failureCount?: number;
  }
  const addSubscription = (values: SubscriptionValues = {}) =>
    run(sql`insert into push_subscriptions (id, organization_id, device_id, endpoint, p256dh, auth,
        created_at, failure_count)
      values (${randomUUID()}, ${ids.organizationId}, ${values.deviceId ?? ids.deviceId},
        ${values.endpoint ?? 'https://push.example.net/wpush/v2/abc'},
        ${values.p256dh ?? new Uint8Array(65).fill(4)}, ${values.auth ?? new Uint8Array(16)}, now(),
        ${values.failureCount ?? 0})`);
  const count = async () => {
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from push_subscriptions`.execute(db());
    return rows[0]?.n;
  };

  it('adds push_subscriptions: one per device, with its endpoint, keys and counts', async () => {
    expect(await describeColumns(db(), 'push_subscriptions')).toEqual([
      'id uuid not null',
      'organization_id uuid not null',
      'device_id uuid not null',
      'endpoint text not null',
      'p256dh bytea not null',
      'auth bytea not null',
      'created_at timestamp with time zone not null',
      'last_success_at timestamp with time zone',
      'failure_count integer not null',
    ]);
    expect(
      (await listKeyConstraints(db())).filter((c) => c.startsWith('push_subscriptions ')),
    ).toEqual([
      'push_subscriptions foreign key (device_id) references devices (id) on delete cascade',
      'push_subscriptions foreign key (organization_id) references organizations (id) on delete cascade',
      'push_subscriptions primary key (id)',
      'push_subscriptions unique (device_id)',
    ]);
    await addSubscription();
    const { rows } = await sql<{ failure_count: number; last_success_at: Date | null }>`
      select failure_count, last_success_at from push_subscriptions`.execute(db());
    expect(rows).toEqual([{ failure_count: 0, last_success_at: null }]);
  });

  it('refuses a second subscription of a device, and one of no device', async () => {
    await expect(addSubscription()).rejects.toMatchObject({ code: UNIQUE_VIOLATION });
    await expect(addSubscription({ deviceId: randomUUID() })).rejects.toMatchObject({
      code: FOREIGN_KEY_VIOLATION,
    });
    expect(await count()).toBe(1);
  });

  it('refuses keys of the wrong length, other schemes, long endpoints and negative counts', async () => {
    const deviceId = ids.otherDeviceId;
    for (const values of [
      { p256dh: new Uint8Array(64) },
      { p256dh: new Uint8Array(66) },
      { auth: new Uint8Array(15) },
      { endpoint: 'ftp://push.example.net/x' },
      { endpoint: `https://push.example.net/${'a'.repeat(2048)}` },
      { failureCount: -1 },
    ]) {
      await expect(addSubscription({ deviceId, ...values })).rejects.toMatchObject({
        code: CHECK_VIOLATION,
      });
    }
    expect(await count()).toBe(1);
  });

  it('goes with its device', async () => {
    await run(sql`delete from devices where id = ${ids.deviceId}`);
    expect(await count()).toBe(0);
  });

  it('is undone by its down migration', async () => {
    await addSubscription({ deviceId: ids.otherDeviceId });
    await migrateTo(db(), BEFORE);
    expect(await listTables(db())).not.toContain('push_subscriptions');
    expect((await migrateTo(db(), MIGRATION)).applied).toEqual([MIGRATION]);
    expect(await count()).toBe(0);
  });

  // Runs last: it moves the schema past this migration.
  describeLaterMigrations(bed);
});
