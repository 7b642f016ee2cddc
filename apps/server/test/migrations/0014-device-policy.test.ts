import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { migrateTo } from '../../src/storage/migrate.js';
import { describeEachBackend } from '../storage/backends.js';
import { describeColumns } from '../storage/schema-catalog.js';
import {
  describeLaterMigrations,
  insertOrganization,
  previousMigration,
  useMigrationBed,
} from './migration-bed.js';

const MIGRATION = '0014-device-policy';
const BEFORE = previousMigration(MIGRATION);
const CHECK_VIOLATION = '23514';
const NOT_NULL_VIOLATION = '23502';

const POLICY_COLUMNS_BEFORE = [
  'organization_id uuid not null',
  'has_read_receipts boolean not null',
  'updated_at timestamp with time zone not null',
  'max_file_megabytes integer',
  'file_quota_gigabytes integer',
  'is_file_download_allowed boolean not null',
  'file_type_mode text not null',
  'file_type_extensions ARRAY not null',
];

describeEachBackend(`migration ${MIGRATION}`, (backend) => {
  /** Has a policy row from before (read receipts off, saving files off); the other never chose. */
  const withRow = randomUUID();
  const withoutRow = randomUUID();
  const bed = useMigrationBed(backend, MIGRATION, {
    seed: async (db) => {
      for (const organizationId of [withRow, withoutRow]) {
        await insertOrganization(db, { id: organizationId });
      }
      await sql`insert into organization_policies
          (organization_id, has_read_receipts, updated_at, is_file_download_allowed)
        values (${withRow}, false, now(), false)`.execute(db);
    },
  });
  const { db, run } = bed;

  interface DevicePolicyRow {
    has_read_receipts: boolean;
    is_file_download_allowed: boolean;
    vault_wipe_after_failures: number;
    max_lock_after_minutes: number;
  }
  const rowOf = async (organizationId: string): Promise<DevicePolicyRow | undefined> => {
    const { rows } = await sql<DevicePolicyRow>`
      select has_read_receipts, is_file_download_allowed, vault_wipe_after_failures,
        max_lock_after_minutes
      from organization_policies where organization_id = ${organizationId}`.execute(db());
    return rows[0];
  };
  /** Sets both settings of the row from before; one not given is set to its default. */
  const setDevice = (values: {
    vaultWipeAfterFailures?: number | null;
    maxLockAfterMinutes?: number | null;
  }) => {
    const { vaultWipeAfterFailures = 10, maxLockAfterMinutes = 60 } = values;
    return run(sql`update organization_policies set
        vault_wipe_after_failures = ${vaultWipeAfterFailures},
        max_lock_after_minutes = ${maxLockAfterMinutes}
      where organization_id = ${withRow}`);
  };

  it('adds the device settings, never null', async () => {
    expect(await describeColumns(db(), 'organization_policies')).toEqual([
      ...POLICY_COLUMNS_BEFORE,
      'vault_wipe_after_failures integer not null',
      'max_lock_after_minutes integer not null',
    ]);
  });

  it('gives an existing row the defaults (10 failures, an hour), keeping its other settings', async () => {
    expect(await rowOf(withRow)).toEqual({
      has_read_receipts: false,
      is_file_download_allowed: false,
      vault_wipe_after_failures: 10,
      max_lock_after_minutes: 60,
    });
    expect(await rowOf(withoutRow)).toBeUndefined();
  });

  it('gives a row written without the settings the defaults', async () => {
    await run(sql`insert into organization_policies (organization_id, has_read_receipts, updated_at)
      values (${withoutRow}, true, now())`);
    expect(await rowOf(withoutRow)).toMatchObject({
      vault_wipe_after_failures: 10,
      max_lock_after_minutes: 60,
    });
  });

  it('keeps chosen settings at their bounds', async () => {
    await setDevice({ vaultWipeAfterFailures: 3, maxLockAfterMinutes: 1 });
    expect(await rowOf(withRow)).toMatchObject({
      vault_wipe_after_failures: 3,
      max_lock_after_minutes: 1,
    });
    await setDevice({ vaultWipeAfterFailures: 50, maxLockAfterMinutes: 60 });
    expect(await rowOf(withRow)).toMatchObject({
      vault_wipe_after_failures: 50,
      max_lock_after_minutes: 60,
    });
  });

  it('refuses settings out of range, and null', async () => {
    for (const bad of [
      { vaultWipeAfterFailures: 2 },
      { vaultWipeAfterFailures: 51 },
      { maxLockAfterMinutes: 0 },
      { maxLockAfterMinutes: 61 },
    ]) {
      await expect(setDevice(bad), JSON.stringify(bad)).rejects.toMatchObject({
        code: CHECK_VIOLATION,
      });
    }
    for (const bad of [{ vaultWipeAfterFailures: null }, { maxLockAfterMinutes: null }]) {
      await expect(setDevice(bad), JSON.stringify(bad)).rejects.toMatchObject({
        code: NOT_NULL_VIOLATION,
      });
    }
    expect(await rowOf(withRow)).toMatchObject({
      vault_wipe_after_failures: 50,
      max_lock_after_minutes: 60,
    });
  });

  it('is undone by its down migration, which drops only its columns', async () => {
    await setDevice({ vaultWipeAfterFailures: 5, maxLockAfterMinutes: 15 });
    await migrateTo(db(), BEFORE);
    expect(await describeColumns(db(), 'organization_policies')).toEqual(POLICY_COLUMNS_BEFORE);
    // The check constraint went with the columns: the table takes what it did before.
    expect((await migrateTo(db(), MIGRATION)).applied).toEqual([MIGRATION]);
    expect(await rowOf(withRow)).toEqual({
      has_read_receipts: false,
      is_file_download_allowed: false,
      vault_wipe_after_failures: 10,
      max_lock_after_minutes: 60,
    });
  });

  // Runs last: it moves the schema past this migration.
  describeLaterMigrations(bed);
});
