import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateTo, migrateToLatest } from '../../src/storage/migrate.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { describeEachBackend, type OpenedStore } from '../storage/backends.js';
import { describeColumns, listKeyConstraints, listTables } from '../storage/schema-catalog.js';

const MIGRATION = '0010-files';
const CHECK_VIOLATION = '23514';
const FOREIGN_KEY_VIOLATION = '23503';
const NOT_NULL_VIOLATION = '23502';

const names = Object.keys(MIGRATIONS);
const BEFORE = names[names.indexOf(MIGRATION) - 1];

describeEachBackend(`migration ${MIGRATION}`, (backend) => {
  let opened: OpenedStore | null = null;
  const db = (): Kysely<unknown> => {
    assert(opened !== null, 'the store is opened in beforeAll');
    return opened.storage.db as Kysely<unknown>;
  };
  const run = (query: ReturnType<typeof sql>) => query.execute(db());
  const ids = {
    organizationId: randomUUID(),
    userId: randomUUID(),
    deviceId: randomUUID(),
    conversationId: randomUUID(),
  };
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

  beforeAll(async () => {
    assert(BEFORE !== undefined, 'a migration precedes this one');
    opened = await backend.openEmpty();
    await migrateTo(opened.storage.db, BEFORE);
    const { organizationId, userId, deviceId, conversationId } = ids;
    await run(sql`insert into organizations (id, slug, name, created_at)
      values (${organizationId}, ${`org-${organizationId}`}, 'Stadt', now())`);
    await run(sql`insert into users (id, organization_id, username, username_key, display_name,
        role, status, created_at, updated_at)
      values (${userId}, ${organizationId}, 'anna', 'anna', 'Anna', 'member', 'active',
        now(), now())`);
    await run(sql`insert into devices
        (id, organization_id, user_id, name, platform, kind, created_at, last_seen_at)
      values (${deviceId}, ${organizationId}, ${userId}, 'PC', 'web', 'managed', now(), now())`);
    await run(sql`insert into conversations
        (id, organization_id, kind, ciphersuite, epoch, last_seq, created_at)
      values (${conversationId}, ${organizationId}, 'group', 83, 3, 9, now())`);
    expect((await migrateTo(opened.storage.db, MIGRATION)).applied).toEqual([MIGRATION]);
  });
  afterAll(async () => {
    await opened?.close();
  });

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
    await migrateTo(db(), BEFORE ?? '');
    expect(await listTables(db())).not.toContain('files');
    expect((await migrateTo(db(), MIGRATION)).applied).toEqual([MIGRATION]);
  });

  // Runs last: it moves the schema past this migration.
  describe('followed by migrateToLatest', () => {
    it('applies exactly the later migrations once, and nothing on a second run', async () => {
      const later = names.slice(names.indexOf(MIGRATION) + 1);
      expect((await migrateToLatest(db())).applied).toEqual(later);
      expect((await migrateToLatest(db())).applied).toEqual([]);
    });
  });
});
