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

const MIGRATION = '0012-file-policy';
const BEFORE = previousMigration(MIGRATION);
const CHECK_VIOLATION = '23514';

const POLICY_COLUMNS_BEFORE = [
  'organization_id uuid not null',
  'has_read_receipts boolean not null',
  'updated_at timestamp with time zone not null',
];

describeEachBackend(`migration ${MIGRATION}`, (backend) => {
  /** Has a policy row from before (read receipts off); the other never chose anything. */
  const withRow = randomUUID();
  const withoutRow = randomUUID();
  const bed = useMigrationBed(backend, MIGRATION, {
    seed: async (db) => {
      for (const organizationId of [withRow, withoutRow]) {
        await insertOrganization(db, { id: organizationId });
      }
      await sql`insert into organization_policies (organization_id, has_read_receipts, updated_at)
        values (${withRow}, false, now())`.execute(db);
    },
  });
  const { db, run } = bed;

  interface FilePolicyRow {
    has_read_receipts: boolean;
    max_file_megabytes: number | null;
    file_quota_gigabytes: number | null;
    is_file_download_allowed: boolean;
    file_type_mode: string;
    file_type_extensions: string[];
  }
  const rowOf = async (organizationId: string): Promise<FilePolicyRow | undefined> => {
    const { rows } = await sql<FilePolicyRow>`
      select has_read_receipts, max_file_megabytes, file_quota_gigabytes,
        is_file_download_allowed, file_type_mode, file_type_extensions
      from organization_policies where organization_id = ${organizationId}`.execute(db());
    return rows[0];
  };
  const setFiles = (values: {
    maxFileMegabytes?: number | null;
    fileQuotaGigabytes?: number | null;
    mode?: string;
    extensions?: string[];
  }) =>
    run(sql`update organization_policies set
        max_file_megabytes = ${values.maxFileMegabytes ?? null},
        file_quota_gigabytes = ${values.fileQuotaGigabytes ?? null},
        file_type_mode = ${values.mode ?? 'deny'},
        file_type_extensions = ${values.extensions ?? []}::text[]
      where organization_id = ${withRow}`);

  it('adds the file settings, null sizes following the server', async () => {
    expect(await describeColumns(db(), 'organization_policies')).toEqual([
      ...POLICY_COLUMNS_BEFORE,
      'max_file_megabytes integer',
      'file_quota_gigabytes integer',
      'is_file_download_allowed boolean not null',
      'file_type_mode text not null',
      'file_type_extensions ARRAY not null',
    ]);
  });

  it('gives an existing row the defaults that allow everything, keeping its read receipts', async () => {
    expect(await rowOf(withRow)).toEqual({
      has_read_receipts: false,
      max_file_megabytes: null,
      file_quota_gigabytes: null,
      is_file_download_allowed: true,
      file_type_mode: 'deny',
      file_type_extensions: [],
    });
    expect(await rowOf(withoutRow)).toBeUndefined();
  });

  it('keeps a chosen rule and sizes, lists of extensions included', async () => {
    await setFiles({
      maxFileMegabytes: 100,
      fileQuotaGigabytes: 5,
      mode: 'allow',
      extensions: ['pdf', 'docx'],
    });
    expect(await rowOf(withRow)).toMatchObject({
      max_file_megabytes: 100,
      file_quota_gigabytes: 5,
      file_type_mode: 'allow',
      file_type_extensions: ['pdf', 'docx'],
    });
  });

  it('refuses sizes below one, an unknown mode and more than 200 extensions', async () => {
    for (const bad of [
      { maxFileMegabytes: 0 },
      { fileQuotaGigabytes: -1 },
      { mode: 'maybe' },
      { extensions: Array.from({ length: 201 }, (_, i) => `e${i}`) },
    ]) {
      await expect(setFiles(bad)).rejects.toMatchObject({ code: CHECK_VIOLATION });
    }
    await setFiles({ extensions: Array.from({ length: 200 }, (_, i) => `e${i}`) });
    expect((await rowOf(withRow))?.file_type_extensions).toHaveLength(200);
  });

  it('is undone by its down migration, which drops only its columns', async () => {
    await migrateTo(db(), BEFORE);
    expect(await describeColumns(db(), 'organization_policies')).toEqual(POLICY_COLUMNS_BEFORE);
    expect((await migrateTo(db(), MIGRATION)).applied).toEqual([MIGRATION]);
    expect(await rowOf(withRow)).toMatchObject({
      has_read_receipts: false,
      file_type_mode: 'deny',
    });
  });

  // Runs last: it moves the schema past this migration.
  describeLaterMigrations(bed);
});
