import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { migrateTo } from '../../src/storage/migrate.js';
import { describeEachBackend } from '../storage/backends.js';
import { describeColumns, listKeyConstraints, listTables } from '../storage/schema-catalog.js';
import {
  describeLaterMigrations,
  insertConversation,
  insertDevice,
  insertOrganization,
  insertUser,
  previousMigration,
  useMigrationBed,
} from './migration-bed.js';

const MIGRATION = '0010-files';
const BEFORE = previousMigration(MIGRATION);
const CHECK_VIOLATION = '23514';
const FOREIGN_KEY_VIOLATION = '23503';
const NOT_NULL_VIOLATION = '23502';

describeEachBackend(`migration ${MIGRATION}`, (backend) => {
  const ids = {
    organizationId: randomUUID(),
    userId: randomUUID(),
    deviceId: randomUUID(),
    conversationId: randomUUID(),
  };
  const bed = useMigrationBed(backend, MIGRATION, {
    seed: async (db) => {
      const { organizationId, userId, deviceId, conversationId } = ids;
      await insertOrganization(db, { id: organizationId });
      await insertUser(db, { id: userId, organizationId });
      await insertDevice(db, { id: deviceId, organizationId, userId });
      await insertConversation(db, { id: conversationId, organizationId });
    },
  });
  const { db, run } = bed;

  interface FileValues {
    id?: string;
    conversationId?: string | null;
    sizeBytes?: number;
    status?: string;
    completedAt?: Date | null;
  }
  const addFile = (values: FileValues = {}) =>
    run(sql`insert into files (id, organization_id, uploader_user_id, uploader_device_id,
        conversation_id, size_bytes, status, created_at, completed_at)
      values (${values.id ?? randomUUID()}, ${ids.organizationId}, ${ids.userId}, ${ids.deviceId},
        ${values.conversationId === undefined ? ids.conversationId : values.conversationId},
        ${values.sizeBytes ?? 5_000_000_000}, ${values.status ?? 'uploading'}, now(),
        ${values.completedAt ?? null})`);
  const fileCount = async () => {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from files`.execute(db());
    return rows[0]?.n;
  };
  const indexNames = async () => {
    const { rows } = await sql<{ indexname: string }>`
      select indexname from pg_indexes where tablename = 'files' order by indexname`.execute(db());
    return rows.map((r) => r.indexname);
  };

  it('adds files: a blob, its uploader, its conversation, its size and whether it is complete', async () => {
    expect(await describeColumns(db(), 'files')).toEqual([
      'id uuid not null',
      'organization_id uuid not null',
      'uploader_user_id uuid not null',
      'uploader_device_id uuid not null',
      'conversation_id uuid not null',
      'size_bytes bigint not null',
      'status text not null',
      'created_at timestamp with time zone not null',
      'completed_at timestamp with time zone',
    ]);
    expect((await listKeyConstraints(db())).filter((c) => c.startsWith('files '))).toEqual([
      'files foreign key (conversation_id) references conversations (id) on delete cascade',
      'files foreign key (organization_id) references organizations (id) on delete cascade',
      'files foreign key (uploader_device_id) references devices (id) on delete cascade',
      'files foreign key (uploader_user_id) references users (id) on delete cascade',
      'files primary key (id)',
    ]);
    expect(await indexNames()).toEqual([
      'files_conversation',
      'files_organization',
      'files_pkey',
      'files_status_created',
    ]);
    // Sizes beyond 4 GiB fit: the column is bigint.
    await addFile();
    await addFile({ status: 'complete', completedAt: new Date(), sizeBytes: 0 });
    expect(await fileCount()).toBe(2);
  });

  it('refuses a negative size, an unknown status and completed_at out of step with the status', async () => {
    await expect(addFile({ sizeBytes: -1 })).rejects.toMatchObject({ code: CHECK_VIOLATION });
    await expect(addFile({ status: 'deleted' })).rejects.toMatchObject({ code: CHECK_VIOLATION });
    await expect(addFile({ status: 'complete' })).rejects.toMatchObject({
      code: CHECK_VIOLATION,
    });
    await expect(addFile({ completedAt: new Date() })).rejects.toMatchObject({
      code: CHECK_VIOLATION,
    });
    await expect(addFile({ conversationId: null })).rejects.toMatchObject({
      code: NOT_NULL_VIOLATION,
    });
    await expect(addFile({ conversationId: randomUUID() })).rejects.toMatchObject({
      code: FOREIGN_KEY_VIOLATION,
    });
    expect(await fileCount()).toBe(2);
  });

  it('goes with its conversation', async () => {
    await run(sql`delete from conversations where id = ${ids.conversationId}`);
    expect(await fileCount()).toBe(0);
  });

  it('is undone by its down migration', async () => {
    await migrateTo(db(), BEFORE);
    expect(await listTables(db())).not.toContain('files');
    expect((await migrateTo(db(), MIGRATION)).applied).toEqual([MIGRATION]);
  });

  // Runs last: it moves the schema past this migration.
  describeLaterMigrations(bed);
});
