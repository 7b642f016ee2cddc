import { randomUUID } from 'node:crypto';
import {
  MAX_TRANSFER_ACCESS_FAILURES,
  TRANSFER_TICKET_SECONDS,
  type Transfer,
  type TransferOffer,
  type TransferState,
  type TransferTicket,
  type createTransferRequestSchema,
} from '@amtsbote/protocol';
import {
  base64urlDecode,
  base64urlEncode,
  constantTimeEqual,
  randomToken,
  sha256,
} from '@amtsbote/crypto';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import type { Principal } from '../identity/sessions.js';
import { parseBlobId } from './blob-id.js';
import { requireReadableFile, type FilesContext } from './file-service.js';
import { deleteFileRecord, findFile } from './files-store.js';
import {
  fileHasLiveTransfer,
  fileSizes,
  findDownloadByTicket,
  findOwnTransfer,
  findTransfer,
  insertTransfer,
  listDownloads,
  listOwnTransfers,
  recordFailedAccess,
  revokeOwnTransfer,
  startDownload,
  type TransferDownloadRow,
  type TransferRow,
} from './transfers-store.js';

/*
 * Transfers (packages/protocol/src/transfers.ts): a sender shares a complete file by a link;
 * recipients prove the link's access token to open it and to start downloads, and read the
 * ciphertext with a download's ticket. The server checks hashes only: it never holds the link
 * secret, the password, the access token or the ticket.
 */

/** How many of a sender's transfers the list shows. */
const LIST_LIMIT = 200;
const TICKET_MS = TRANSFER_TICKET_SECONDS * 1000;

export const transferNotFound = (): AppError =>
  new AppError(404, 'transfer_not_found', 'transfer not found');

type CreateTransfer = z.output<typeof createTransferRequestSchema>;

/** The transfer's state at `now`, as the sender and the recipient see it. */
export function transferState(row: TransferRow, now: Date): TransferState {
  if (row.locked) return 'locked';
  if (row.revoked_at !== null) return 'revoked';
  if (row.expires_at <= now) return 'expired';
  // Its file was deleted by its uploader: the transfer ended as if revoked.
  if (row.file_id === null) return 'revoked';
  if (row.max_downloads !== null && row.download_count >= row.max_downloads) return 'exhausted';
  return 'active';
}

function stateError(state: Exclude<TransferState, 'active'>): AppError {
  switch (state) {
    case 'locked':
      return new AppError(410, 'transfer_locked', 'the link was locked after wrong passwords');
    case 'revoked':
      return new AppError(410, 'transfer_revoked', 'the sender withdrew this transfer');
    case 'expired':
      return new AppError(410, 'transfer_expired', 'the link has expired');
    case 'exhausted':
      return new AppError(410, 'transfer_exhausted', 'the link has no downloads left');
  }
}

function view(
  row: TransferRow,
  sizeBytes: number,
  downloads: readonly TransferDownloadRow[],
  now: Date,
): Transfer {
  return {
    id: row.id,
    fileId: row.file_id,
    sizeBytes,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    maxDownloads: row.max_downloads,
    downloadCount: row.download_count,
    passwordProtected: row.password_protected,
    state: transferState(row, now),
    revokedAt: row.revoked_at?.toISOString() ?? null,
    downloads: downloads.map((d) => ({ startedAt: d.startedAt.toISOString() })),
  };
}

async function views(ctx: FilesContext, rows: readonly TransferRow[]): Promise<Transfer[]> {
  const now = ctx.clock.now();
  const sizes = await fileSizes(
    ctx.db,
    rows.flatMap((r) => (r.file_id === null ? [] : [r.file_id])),
  );
  const downloads = await listDownloads(
    ctx.db,
    rows.map((r) => r.id),
  );
  return rows.map((row) =>
    view(
      row,
      row.file_id === null ? 0 : (sizes.get(row.file_id) ?? 0),
      downloads.filter((d) => d.transferId === row.id),
      now,
    ),
  );
}

function decode(text: string): Uint8Array<ArrayBuffer> {
  try {
    return base64urlDecode(text);
  } catch (error) {
    throw new AppError(400, 'invalid_request', 'not base64url', { cause: error });
  }
}

/** Shares a file the caller may read: one of their standalone uploads, or an attachment. */
export async function createTransfer(
  ctx: FilesContext,
  principal: Principal,
  request: CreateTransfer,
): Promise<Transfer> {
  const file = await requireReadableFile(ctx, principal, request.fileId);
  const now = ctx.clock.now();
  const id = randomUUID();
  await insertTransfer(ctx.db, {
    id,
    organizationId: principal.organizationId,
    fileId: file.id,
    senderUserId: principal.userId,
    createdAt: now,
    expiresAt: new Date(now.getTime() + request.expiresInSeconds * 1000),
    maxDownloads: request.maxDownloads,
    passwordProtected: request.passwordProtected,
    accessHash: decode(request.accessHash),
    wrappedKey: decode(request.wrappedKey),
    sealedMetadata: decode(request.sealedMetadata),
  });
  const row = await findOwnTransfer(ctx.db, principal.organizationId, principal.userId, id);
  if (row === null) throw new Error('a transfer just inserted is missing');
  const [created] = await views(ctx, [row]);
  if (created === undefined) throw new Error('a transfer just inserted has no view');
  return created;
}

export async function listTransfers(ctx: FilesContext, principal: Principal): Promise<Transfer[]> {
  const rows = await listOwnTransfers(
    ctx.db,
    principal.organizationId,
    principal.userId,
    LIST_LIMIT,
  );
  return views(ctx, rows);
}

/**
 * Ends one of the caller's transfers at once: no open, download or ticket read succeeds after
 * it. A standalone file that no other transfer still reads is deleted with it.
 */
export async function revokeTransfer(
  ctx: FilesContext,
  principal: Principal,
  id: string,
): Promise<Transfer> {
  const { organizationId, userId } = principal;
  const before = await findOwnTransfer(ctx.db, organizationId, userId, id);
  if (before === null) throw transferNotFound();
  const now = ctx.clock.now();
  await revokeOwnTransfer(ctx.db, organizationId, userId, id, now);
  if (before.file_id !== null) await deleteIfUnused(ctx, organizationId, before.file_id, now);
  const after = await findOwnTransfer(ctx.db, organizationId, userId, id);
  if (after === null) throw transferNotFound();
  const [revoked] = await views(ctx, [after]);
  if (revoked === undefined) throw transferNotFound();
  return revoked;
}

async function deleteIfUnused(
  ctx: FilesContext,
  organizationId: string,
  fileId: string,
  now: Date,
): Promise<void> {
  const file = await findFile(ctx.db, organizationId, fileId);
  if (file === null || file.conversationId !== null) return;
  if (await fileHasLiveTransfer(ctx.db, fileId, new Date(now.getTime() - TICKET_MS))) return;
  // Row first: bytes a failed delete leaves behind are the sweeper's orphans.
  await deleteFileRecord(ctx.db, organizationId, fileId);
  await ctx.blobStore.delete(parseBlobId(fileId));
}

/**
 * The transfer, if `access` is its token. A locked transfer takes no token at all; a wrong one
 * counts towards the lock.
 */
async function requireAccess(ctx: FilesContext, id: string, access: string): Promise<TransferRow> {
  const row = await findTransfer(ctx.db, id);
  if (row === null) throw transferNotFound();
  if (row.locked) throw stateError('locked');
  const hash = await sha256(decode(access));
  if (!constantTimeEqual(hash, row.access_hash)) {
    const locked = await recordFailedAccess(
      ctx.db,
      id,
      MAX_TRANSFER_ACCESS_FAILURES,
      ctx.clock.now(),
    );
    if (locked) throw stateError('locked');
    throw new AppError(403, 'transfer_access_denied', 'the password or the link is not right');
  }
  return row;
}

/** What a recipient needs to show and decrypt the file; counts no download. */
export async function openTransfer(
  ctx: FilesContext,
  id: string,
  access: string,
): Promise<TransferOffer> {
  const row = await requireAccess(ctx, id, access);
  const state = transferState(row, ctx.clock.now());
  if (state !== 'active') throw stateError(state);
  const sizes = await fileSizes(ctx.db, row.file_id === null ? [] : [row.file_id]);
  const sizeBytes = row.file_id === null ? undefined : sizes.get(row.file_id);
  if (sizeBytes === undefined) throw stateError('revoked');
  return {
    id: row.id,
    sizeBytes,
    expiresAt: row.expires_at.toISOString(),
    downloadsLeft: row.max_downloads === null ? null : row.max_downloads - row.download_count,
    wrappedKey: base64urlEncode(row.wrapped_key),
    sealedMetadata: base64urlEncode(row.sealed_metadata),
  };
}

/**
 * Starts a download: counts it against the limit, tells the sender's devices, and returns the
 * ticket that reads the ciphertext (with ranges, so the download can resume) for
 * TRANSFER_TICKET_SECONDS.
 */
export async function startTransferDownload(
  ctx: FilesContext,
  id: string,
  access: string,
): Promise<TransferTicket> {
  const row = await requireAccess(ctx, id, access);
  const now = ctx.clock.now();
  const ticket = randomToken();
  const ticketExpiresAt = new Date(now.getTime() + TICKET_MS);
  const count = await startDownload(ctx.db, {
    id: randomUUID(),
    transferId: id,
    ticketHash: await sha256(new TextEncoder().encode(ticket)),
    now,
    ticketExpiresAt,
  });
  if (count === null) {
    // Re-read: another download may have taken the last one meanwhile.
    const current = (await findTransfer(ctx.db, id)) ?? row;
    const state = transferState(current, now);
    throw stateError(state === 'active' ? 'exhausted' : state);
  }
  await ctx.notifyTransferDownloaded(row.organization_id, row.sender_user_id, {
    type: 'transfer_downloaded',
    transferId: id,
    downloadCount: count,
  });
  return { ticket, expiresAt: ticketExpiresAt.toISOString() };
}

/**
 * The file a download's ticket reads: while the ticket lives and the transfer is not revoked
 * or locked (an expiry or a reached limit does not stop a download already started).
 */
export async function requireTicketFile(
  ctx: FilesContext,
  id: string,
  ticket: string | undefined,
): Promise<{ fileId: string; sizeBytes: number }> {
  if (ticket === undefined || ticket.length === 0 || ticket.length > 200) {
    throw transferNotFound();
  }
  const found = await findDownloadByTicket(
    ctx.db,
    id,
    await sha256(new TextEncoder().encode(ticket)),
  );
  if (found === null || found.ticketExpiresAt <= ctx.clock.now()) throw transferNotFound();
  const { transfer } = found;
  if (transfer.locked) throw stateError('locked');
  if (transfer.revoked_at !== null || transfer.file_id === null) throw stateError('revoked');
  const file = await findFile(ctx.db, transfer.organization_id, transfer.file_id);
  if (file?.status !== 'complete') throw stateError('revoked');
  return { fileId: file.id, sizeBytes: file.sizeBytes };
}
