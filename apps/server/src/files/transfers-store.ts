import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, TransfersTable } from '../storage/schema.js';

/*
 * Queries on transfers and transfer_downloads (migration 0011). The sender's queries are scoped
 * to an organization and user; a recipient has neither, so the public ones go by the transfer's
 * id (a random UUID) and every answer they lead to is gated by the access token or a ticket.
 */

export type TransferRow = Selectable<TransfersTable>;

export interface NewTransfer {
  readonly id: string;
  readonly organizationId: string;
  readonly fileId: string;
  readonly senderUserId: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly maxDownloads: number | null;
  readonly passwordProtected: boolean;
  readonly accessHash: Uint8Array;
  readonly wrappedKey: Uint8Array;
  readonly sealedMetadata: Uint8Array;
}

export interface TransferDownloadRow {
  readonly transferId: string;
  readonly startedAt: Date;
}

export async function insertTransfer(db: Kysely<Database>, transfer: NewTransfer): Promise<void> {
  await db
    .insertInto('transfers')
    .values({
      id: transfer.id,
      organization_id: transfer.organizationId,
      file_id: transfer.fileId,
      sender_user_id: transfer.senderUserId,
      created_at: transfer.createdAt,
      expires_at: transfer.expiresAt,
      max_downloads: transfer.maxDownloads,
      password_protected: transfer.passwordProtected,
      access_hash: transfer.accessHash,
      wrapped_key: transfer.wrappedKey,
      sealed_metadata: transfer.sealedMetadata,
      revoked_at: null,
    })
    .execute();
}

/** A transfer by id alone, for a recipient who has to prove the link next. */
export async function findTransfer(db: Kysely<Database>, id: string): Promise<TransferRow | null> {
  const row = await db.selectFrom('transfers').selectAll().where('id', '=', id).executeTakeFirst();
  return row ?? null;
}

/** One of the user's transfers. */
export async function findOwnTransfer(
  db: Kysely<Database>,
  organizationId: string,
  senderUserId: string,
  id: string,
): Promise<TransferRow | null> {
  const row = await db
    .selectFrom('transfers')
    .selectAll()
    .where('id', '=', id)
    .where('organization_id', '=', organizationId)
    .where('sender_user_id', '=', senderUserId)
    .executeTakeFirst();
  return row ?? null;
}

/** The user's transfers, newest first. */
export async function listOwnTransfers(
  db: Kysely<Database>,
  organizationId: string,
  senderUserId: string,
  limit: number,
): Promise<TransferRow[]> {
  return db
    .selectFrom('transfers')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('sender_user_id', '=', senderUserId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** The downloads of the given transfers, oldest first. */
export async function listDownloads(
  db: Kysely<Database>,
  transferIds: readonly string[],
): Promise<TransferDownloadRow[]> {
  if (transferIds.length === 0) return [];
  const rows = await db
    .selectFrom('transfer_downloads')
    .select(['transfer_id', 'started_at'])
    .where('transfer_id', 'in', transferIds)
    .orderBy('started_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ transferId: r.transfer_id, startedAt: r.started_at }));
}

/** Ciphertext sizes of the given files. */
export async function fileSizes(
  db: Kysely<Database>,
  fileIds: readonly string[],
): Promise<Map<string, number>> {
  if (fileIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('files')
    .select(['id', 'size_bytes'])
    .where('id', 'in', fileIds)
    .execute();
  return new Map(rows.map((r) => [r.id, r.size_bytes]));
}

/**
 * Counts a wrong access token; at `maxFailures` the transfer locks (revoked for good). Returns
 * whether it is locked now.
 */
export async function recordFailedAccess(
  db: Kysely<Database>,
  id: string,
  maxFailures: number,
  now: Date,
): Promise<boolean> {
  const row = await db
    .updateTable('transfers')
    .set((eb) => ({
      failed_attempts: eb('failed_attempts', '+', 1),
      locked: sql<boolean>`failed_attempts + 1 >= ${maxFailures}`,
      revoked_at: sql<Date | null>`case when failed_attempts + 1 >= ${maxFailures}
        then coalesce(revoked_at, ${now}) else revoked_at end`,
    }))
    .where('id', '=', id)
    .returning('locked')
    .executeTakeFirst();
  return row?.locked ?? false;
}

/**
 * Counts one download if the transfer still allows one at `now`, and records its ticket, in one
 * transaction. Returns the count after it, or null when the transfer allows no download (the
 * caller tells why from a fresh read).
 */
export async function startDownload(
  db: Kysely<Database>,
  download: {
    readonly id: string;
    readonly transferId: string;
    readonly ticketHash: Uint8Array;
    readonly now: Date;
    readonly ticketExpiresAt: Date;
  },
): Promise<number | null> {
  return db.transaction().execute(async (tx) => {
    const counted = await tx
      .updateTable('transfers')
      .set((eb) => ({ download_count: eb('download_count', '+', 1) }))
      .where('id', '=', download.transferId)
      .where('revoked_at', 'is', null)
      .where('file_id', 'is not', null)
      .where('expires_at', '>', download.now)
      .where((eb) =>
        eb.or([
          eb('max_downloads', 'is', null),
          eb('download_count', '<', eb.ref('max_downloads')),
        ]),
      )
      .returning('download_count')
      .executeTakeFirst();
    if (counted === undefined) return null;
    await tx
      .insertInto('transfer_downloads')
      .values({
        id: download.id,
        transfer_id: download.transferId,
        ticket_hash: download.ticketHash,
        started_at: download.now,
        ticket_expires_at: download.ticketExpiresAt,
      })
      .execute();
    return counted.download_count;
  });
}

/** The transfer whose download holds this ticket, with the ticket's expiry. */
export async function findDownloadByTicket(
  db: Kysely<Database>,
  transferId: string,
  ticketHash: Uint8Array,
): Promise<{ transfer: TransferRow; ticketExpiresAt: Date } | null> {
  const download = await db
    .selectFrom('transfer_downloads')
    .select(['transfer_id', 'ticket_expires_at'])
    .where('ticket_hash', '=', ticketHash)
    .where('transfer_id', '=', transferId)
    .executeTakeFirst();
  if (download === undefined) return null;
  const transfer = await findTransfer(db, transferId);
  if (transfer === null) return null;
  return { transfer, ticketExpiresAt: download.ticket_expires_at };
}

/** Revokes one of the user's transfers; a revoked one keeps its first revocation time. */
export async function revokeOwnTransfer(
  db: Kysely<Database>,
  organizationId: string,
  senderUserId: string,
  id: string,
  now: Date,
): Promise<void> {
  await db
    .updateTable('transfers')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('organization_id', '=', organizationId)
    .where('sender_user_id', '=', senderUserId)
    .where('revoked_at', 'is', null)
    .execute();
}

/**
 * Whether any transfer of the file may still be read at `now`: not revoked, and not expired
 * for longer than a ticket lives (a download started before expiry may still be running).
 */
export async function fileHasLiveTransfer(
  db: Kysely<Database>,
  fileId: string,
  readableAfter: Date,
): Promise<boolean> {
  const row = await db
    .selectFrom('transfers')
    .select('id')
    .where('file_id', '=', fileId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', readableAfter)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/*
 * The sweeper's queries span every organization.
 */

/**
 * Up to `limit` standalone complete files (no conversation) that nothing reads any more: every
 * transfer of theirs revoked or expired before `readableAfter` — or, for a file that never had
 * a transfer, completed before `unclaimedBefore` (a fresh upload waits that long for its first).
 */
export async function listUnusedStandaloneFiles(
  db: Kysely<Database>,
  options: { readonly readableAfter: Date; readonly unclaimedBefore: Date; readonly limit: number },
): Promise<{ id: string; organizationId: string }[]> {
  const rows = await db
    .selectFrom('files as f')
    .select(['f.id', 'f.organization_id'])
    .where('f.conversation_id', 'is', null)
    .where('f.status', '=', 'complete')
    .where((eb) =>
      eb.or([
        eb('f.completed_at', '<', options.unclaimedBefore),
        eb.exists(
          eb.selectFrom('transfers as t').select('t.id').whereRef('t.file_id', '=', 'f.id'),
        ),
      ]),
    )
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('transfers as t')
            .select('t.id')
            .whereRef('t.file_id', '=', 'f.id')
            .where('t.revoked_at', 'is', null)
            .where('t.expires_at', '>', options.readableAfter),
        ),
      ),
    )
    .limit(options.limit)
    .execute();
  return rows.map((r) => ({ id: r.id, organizationId: r.organization_id }));
}

/** Deletes transfers that ended (revoked or expired) before a time; returns how many. */
export async function deleteTransfersEndedBefore(
  db: Kysely<Database>,
  endedBefore: Date,
): Promise<number> {
  const result = await db
    .deleteFrom('transfers')
    .where((eb) => eb.or([eb('revoked_at', '<', endedBefore), eb('expires_at', '<', endedBefore)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
