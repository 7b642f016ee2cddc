import { sql, type Kysely } from 'kysely';
import type { Database, FilesTable } from '../storage/schema.js';

/* Queries on the files table (migration 0010); each scoped to one organization. */

export interface FileRecord {
  readonly id: string;
  readonly organizationId: string;
  readonly uploaderUserId: string;
  readonly uploaderDeviceId: string;
  /** null: a standalone transfer's file. */
  readonly conversationId: string | null;
  readonly sizeBytes: number;
  readonly status: FilesTable['status'];
}

export interface NewFileRecord {
  readonly id: string;
  readonly organizationId: string;
  readonly uploaderUserId: string;
  readonly uploaderDeviceId: string;
  /** null: a standalone transfer's file. */
  readonly conversationId: string | null;
  readonly sizeBytes: number;
  readonly createdAt: Date;
}

/** Bytes of all the organization's files, finished or still uploading. */
export async function usedFileBytes(db: Kysely<Database>, organizationId: string): Promise<number> {
  const row = await db
    .selectFrom('files')
    // sum(bigint) is numeric, which pg hands out as text; bigint comes back as a number.
    .select(sql<number>`coalesce(sum(size_bytes), 0)::bigint`.as('used'))
    .where('organization_id', '=', organizationId)
    .executeTakeFirstOrThrow();
  return row.used;
}

export async function insertFile(db: Kysely<Database>, file: NewFileRecord): Promise<void> {
  await db
    .insertInto('files')
    .values({
      id: file.id,
      organization_id: file.organizationId,
      uploader_user_id: file.uploaderUserId,
      uploader_device_id: file.uploaderDeviceId,
      conversation_id: file.conversationId,
      size_bytes: file.sizeBytes,
      status: 'uploading',
      created_at: file.createdAt,
      completed_at: null,
    })
    .execute();
}

export async function findFile(
  db: Kysely<Database>,
  organizationId: string,
  id: string,
): Promise<FileRecord | null> {
  const row = await db
    .selectFrom('files')
    .select([
      'id',
      'organization_id',
      'uploader_user_id',
      'uploader_device_id',
      'conversation_id',
      'size_bytes',
      'status',
    ])
    .where('id', '=', id)
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  if (row === undefined) return null;
  return {
    id: row.id,
    organizationId: row.organization_id,
    uploaderUserId: row.uploader_user_id,
    uploaderDeviceId: row.uploader_device_id,
    conversationId: row.conversation_id,
    sizeBytes: row.size_bytes,
    status: row.status,
  };
}

/** Marks an unfinished upload complete; a second call (a repeated last PATCH) changes nothing. */
export async function completeFile(
  db: Kysely<Database>,
  organizationId: string,
  id: string,
  now: Date,
): Promise<void> {
  await db
    .updateTable('files')
    .set({ status: 'complete', completed_at: now })
    .where('id', '=', id)
    .where('organization_id', '=', organizationId)
    .where('status', '=', 'uploading')
    .execute();
}

export async function deleteFileRecord(
  db: Kysely<Database>,
  organizationId: string,
  id: string,
): Promise<void> {
  await db
    .deleteFrom('files')
    .where('id', '=', id)
    .where('organization_id', '=', organizationId)
    .execute();
}

/*
 * The sweeper's queries (file-sweeper.ts) span every organization: it cleans up after all of
 * them and acts on nobody's behalf.
 */

/**
 * Deletes up to `limit` unfinished uploads created before a time, in any organization, and
 * returns their ids. The status is checked again by the delete itself, so an upload that
 * completes meanwhile stays.
 */
export async function deleteUploadsCreatedBefore(
  db: Kysely<Database>,
  createdBefore: Date,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .deleteFrom('files')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('files')
        .select('id')
        .where('status', '=', 'uploading')
        .where('created_at', '<', createdBefore)
        .limit(limit),
    )
    .where('status', '=', 'uploading')
    .where('created_at', '<', createdBefore)
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

/** Those of the ids that have a files row, in any organization. */
export async function existingFileIds(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('files').select('id').where('id', 'in', ids).execute();
  return new Set(rows.map((row) => row.id));
}
