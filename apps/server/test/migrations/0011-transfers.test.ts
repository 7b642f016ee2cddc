import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateTo, migrateToLatest } from '../../src/storage/migrate.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { describeEachBackend, type OpenedStore } from '../storage/backends.js';
import { describeColumns, listKeyConstraints, listTables } from '../storage/schema-catalog.js';

const MIGRATION = '0011-transfers';
const CHECK_VIOLATION = '23514';
const UNIQUE_VIOLATION = '23505';

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
    attachmentId: randomUUID(),
    standaloneId: randomUUID(),
  };
  const addFile = (id: string, conversationId: string | null) =>
    run(sql`insert into files (id, organization_id, uploader_user_id, uploader_device_id,
        conversation_id, size_bytes, status, created_at, completed_at)
      values (${id}, ${ids.organizationId}, ${ids.userId}, ${ids.deviceId}, ${conversationId},
        1000, 'complete', now(), now())`);
  interface TransferValues {
    id?: string;
    fileId?: string;
    maxDownloads?: number | null;
    downloadCount?: number;
    accessHash?: Uint8Array;
    locked?: boolean;
    revokedAt?: Date | null;
  }
  const addTransfer = (values: TransferValues = {}) =>
    run(sql`insert into transfers (id, organization_id, file_id, sender_user_id, created_at,
        expires_at, max_downloads, download_count, password_protected, access_hash, wrapped_key,
        sealed_metadata, revoked_at, locked)
      values (${values.id ?? randomUUID()}, ${ids.organizationId},
        ${values.fileId ?? ids.standaloneId}, ${ids.userId}, now(), now() + interval '1 day',
        ${values.maxDownloads === undefined ? 3 : values.maxDownloads},
        ${values.downloadCount ?? 0}, false, ${values.accessHash ?? new Uint8Array(32)},
        ${new Uint8Array(60)}, ${new Uint8Array(100)}, ${values.revokedAt ?? null},
        ${values.locked ?? false})`);
  const addDownload = (transferId: string, ticketHash: Uint8Array) =>
    run(sql`insert into transfer_downloads (id, transfer_id, ticket_hash, started_at,
        ticket_expires_at)
      values (${randomUUID()}, ${transferId}, ${ticketHash}, now(), now() + interval '12 hours')`);
  const count = async (table: 'transfers' | 'transfer_downloads' | 'files') => {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(
      table,
    )}`.execute(db());
    return rows[0]?.n;
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
    // An attachment from before: it keeps its conversation.
    await addFile(ids.attachmentId, conversationId);
    expect((await migrateTo(opened.storage.db, MIGRATION)).applied).toEqual([MIGRATION]);
  });
  afterAll(async () => {
    await opened?.close();
  });

  it('lets a file belong to no conversation, and adds transfers and their downloads', async () => {
    expect(await describeColumns(db(), 'files')).toContain('conversation_id uuid');
    await addFile(ids.standaloneId, null);
    expect(await describeColumns(db(), 'transfers')).toEqual([
      'id uuid not null',
      'organization_id uuid not null',
      'file_id uuid',
      'sender_user_id uuid not null',
      'created_at timestamp with time zone not null',
      'expires_at timestamp with time zone not null',
      'max_downloads integer',
      'download_count integer not null',
      'failed_attempts integer not null',
      'password_protected boolean not null',
      'access_hash bytea not null',
      'wrapped_key bytea not null',
      'sealed_metadata bytea not null',
      'revoked_at timestamp with time zone',
      'locked boolean not null',
    ]);
    expect(await describeColumns(db(), 'transfer_downloads')).toEqual([
      'id uuid not null',
      'transfer_id uuid not null',
      'ticket_hash bytea not null',
      'started_at timestamp with time zone not null',
      'ticket_expires_at timestamp with time zone not null',
    ]);
    const constraints = (await listKeyConstraints(db())).filter((c) => c.startsWith('transfer'));
    expect(constraints).toEqual([
      'transfer_downloads foreign key (transfer_id) references transfers (id) on delete cascade',
      'transfer_downloads primary key (id)',
      'transfer_downloads unique (ticket_hash)',
      'transfers foreign key (file_id) references files (id) on delete set null',
      'transfers foreign key (organization_id) references organizations (id) on delete cascade',
      'transfers foreign key (sender_user_id) references users (id) on delete cascade',
      'transfers primary key (id)',
    ]);
  });

  it('refuses counts beyond the limit, short hashes, and a lock without revocation', async () => {
    await expect(addTransfer({ maxDownloads: 0 })).rejects.toMatchObject({
      code: CHECK_VIOLATION,
    });
    await expect(addTransfer({ maxDownloads: 2, downloadCount: 3 })).rejects.toMatchObject({
      code: CHECK_VIOLATION,
    });
    await expect(addTransfer({ accessHash: new Uint8Array(31) })).rejects.toMatchObject({
      code: CHECK_VIOLATION,
    });
    await expect(addTransfer({ locked: true })).rejects.toMatchObject({ code: CHECK_VIOLATION });
    expect(await count('transfers')).toBe(0);
  });

  it('keeps a transfer whose file is deleted, and deletes its downloads with it', async () => {
    const transferId = randomUUID();
    await addTransfer({ id: transferId, maxDownloads: null, downloadCount: 1 });
    const hash = new Uint8Array(32).fill(7);
    await addDownload(transferId, hash);
    await expect(addDownload(transferId, hash)).rejects.toMatchObject({
      code: UNIQUE_VIOLATION,
    });
    await run(sql`delete from files where id = ${ids.standaloneId}`);
    const { rows } = await sql<{ file_id: string | null }>`
      select file_id from transfers where id = ${transferId}`.execute(db());
    expect(rows).toEqual([{ file_id: null }]);
    await run(sql`delete from transfers where id = ${transferId}`);
    expect(await count('transfer_downloads')).toBe(0);
  });

  it('is undone by its down migration, which drops the files of no conversation', async () => {
    await addFile(randomUUID(), null);
    await migrateTo(db(), BEFORE ?? '');
    expect(await listTables(db())).not.toContain('transfers');
    expect(await listTables(db())).not.toContain('transfer_downloads');
    expect(await describeColumns(db(), 'files')).toContain('conversation_id uuid not null');
    expect(await count('files')).toBe(1);
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
