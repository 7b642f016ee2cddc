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

const MIGRATION = '0011-transfers';
const BEFORE = previousMigration(MIGRATION);
const CHECK_VIOLATION = '23514';
const UNIQUE_VIOLATION = '23505';

describeEachBackend(`migration ${MIGRATION}`, (backend) => {
  const ids = {
    organizationId: randomUUID(),
    userId: randomUUID(),
    deviceId: randomUUID(),
    conversationId: randomUUID(),
    attachmentId: randomUUID(),
    standaloneId: randomUUID(),
  };
  const bed = useMigrationBed(backend, MIGRATION, {
    seed: async (db) => {
      const { organizationId, userId, deviceId, conversationId } = ids;
      await insertOrganization(db, { id: organizationId });
      await insertUser(db, { id: userId, organizationId });
      await insertDevice(db, { id: deviceId, organizationId, userId });
      await insertConversation(db, { id: conversationId, organizationId });
      // An attachment from before: it keeps its conversation.
      await addFile(ids.attachmentId, conversationId);
    },
  });
  const { db, run } = bed;

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
    await migrateTo(db(), BEFORE);
    expect(await listTables(db())).not.toContain('transfers');
    expect(await listTables(db())).not.toContain('transfer_downloads');
    expect(await describeColumns(db(), 'files')).toContain('conversation_id uuid not null');
    expect(await count('files')).toBe(1);
    expect((await migrateTo(db(), MIGRATION)).applied).toEqual([MIGRATION]);
  });

  // Runs last: it moves the schema past this migration.
  describeLaterMigrations(bed);
});
