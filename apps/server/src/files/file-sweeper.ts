import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { startPeriodicTask, type PeriodicTask } from '../periodic-task.js';
import type { BlobId } from './blob-id.js';
import type { FilesContext } from './file-service.js';
import { deleteFileRecord, deleteUploadsCreatedBefore, existingFileIds } from './files-store.js';
import { parseBlobId } from './blob-id.js';
import { deleteTransfersEndedBefore, listUnusedStandaloneFiles } from './transfers-store.js';
import { isTusError } from './tus-errors.js';
import { TRANSFER_TICKET_SECONDS } from '@amtsbote/protocol';

/*
 * The file sweeper (ADR 0013): unfinished uploads that were abandoned stop holding quota and
 * disk, and blobs that lost their row (a delete whose second step failed, a crash in between,
 * a cascade from a deleted conversation or organization) are removed. Always the row first,
 * then the bytes: an interruption leaves bytes without a row, which the next sweep removes,
 * never a row whose bytes are gone. Standalone files (shared by transfers) go once no transfer
 * reads them any more, and ended transfers leave their sender's list after TRANSFER_RETENTION_MS.
 */

/** Unfinished uploads are refused, and removed by the sweeper, a day after their creation. */
export const UPLOAD_EXPIRATION_MS = 24 * 3600_000;

/**
 * A blob without a row is removed once it is this old. Rows are written before their upload
 * starts, so a rowless blob is an orphan at any age; the margin covers clocks that disagree.
 */
export const ORPHAN_BLOB_AGE_MS = 3600_000;

export const FILE_SWEEP_INTERVAL_MS = 15 * 60_000;

/**
 * A complete standalone file waits this long for its first transfer; after that, and once all
 * its transfers ended (and their last tickets expired), it is removed.
 */
export const UNCLAIMED_FILE_MS = 24 * 3600_000;

/** Revoked and expired transfers stay listed for their sender this long. */
export const TRANSFER_RETENTION_MS = 30 * 24 * 3600_000;

/** Rows deleted, and blobs looked up, per query. */
const BATCH_SIZE = 500;

export interface SweepResult {
  /** Unfinished uploads older than UPLOAD_EXPIRATION_MS whose row and bytes were removed. */
  readonly expiredUploads: number;
  /** Blobs without a row, older than ORPHAN_BLOB_AGE_MS, that were removed. */
  readonly orphanedBlobs: number;
  /** Standalone files that no transfer reads any more, row and bytes removed. */
  readonly unusedFiles: number;
  /** Transfers ended more than TRANSFER_RETENTION_MS ago, removed from their senders' lists. */
  readonly endedTransfers: number;
}

/**
 * One sweep at `now`. A failure to remove bytes ends the sweep with that error; the rows are
 * gone already, and what is left is found again by the next sweep (upload bytes by the upload
 * store's deleteExpired, blobs by the orphan pass).
 */
export async function sweepFiles(ctx: FilesContext, now: Date): Promise<SweepResult> {
  const expiredUploads = await removeExpiredUploads(ctx, now);
  const unusedFiles = await removeUnusedStandaloneFiles(ctx, now);
  const endedTransfers = await deleteTransfersEndedBefore(
    ctx.db,
    new Date(now.getTime() - TRANSFER_RETENTION_MS),
  );
  const orphanedBlobs = await removeOrphanedBlobs(ctx, now);
  return { expiredUploads, orphanedBlobs, unusedFiles, endedTransfers };
}

async function removeUnusedStandaloneFiles(ctx: FilesContext, now: Date): Promise<number> {
  const options = {
    // A download started just before its transfer expired may read for a ticket's lifetime.
    readableAfter: new Date(now.getTime() - TRANSFER_TICKET_SECONDS * 1000),
    unclaimedBefore: new Date(now.getTime() - UNCLAIMED_FILE_MS),
    limit: BATCH_SIZE,
  };
  let removed = 0;
  for (;;) {
    const files = await listUnusedStandaloneFiles(ctx.db, options);
    for (const file of files) {
      await deleteFileRecord(ctx.db, file.organizationId, file.id);
      await ctx.blobStore.delete(parseBlobId(file.id));
    }
    removed += files.length;
    if (files.length < BATCH_SIZE) break;
  }
  return removed;
}

async function removeExpiredUploads(ctx: FilesContext, now: Date): Promise<number> {
  const createdBefore = new Date(now.getTime() - UPLOAD_EXPIRATION_MS);
  let removed = 0;
  for (;;) {
    const ids = await deleteUploadsCreatedBefore(ctx.db, createdBefore, BATCH_SIZE);
    for (const id of ids) await removeUploadBytes(ctx, id);
    removed += ids.length;
    if (ids.length < BATCH_SIZE) break;
  }
  // Unfinished uploads whose row went without them (a crash after the delete above, or a
  // creation that failed); by the upload store's clock, which is the server's.
  await ctx.uploads.deleteExpired();
  return removed;
}

async function removeUploadBytes(ctx: FilesContext, id: string): Promise<void> {
  try {
    await ctx.uploads.remove(id);
  } catch (error) {
    // Nothing was written yet, or a terminating request removed it first.
    if (!isTusError(error, 'FILE_NOT_FOUND')) throw error;
  }
}

async function removeOrphanedBlobs(ctx: FilesContext, now: Date): Promise<number> {
  const modifiedBefore = new Date(now.getTime() - ORPHAN_BLOB_AGE_MS);
  let removed = 0;
  let batch: BlobId[] = [];
  const removeRowless = async (ids: readonly BlobId[]): Promise<void> => {
    const withRow = await existingFileIds(ctx.db, ids);
    for (const id of ids) {
      if (withRow.has(id)) continue;
      await ctx.blobStore.delete(id);
      removed += 1;
    }
  };
  for await (const blob of ctx.blobStore.list({ modifiedBefore })) {
    batch.push(blob.id);
    if (batch.length < BATCH_SIZE) continue;
    await removeRowless(batch);
    batch = [];
  }
  await removeRowless(batch);
  return removed;
}

export interface FileSweeperOptions {
  /** One sweep at the time given; sweepFiles over the server's FilesContext. */
  readonly sweep: (now: Date) => Promise<SweepResult>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly intervalMs: number;
}

export type FileSweeper = PeriodicTask;

/**
 * Sweeps every intervalMs, the first time one interval after the start; never two at once
 * (periodic-task.ts). A failing sweep is logged and the next one tries again.
 */
export function startFileSweeper(options: FileSweeperOptions): FileSweeper {
  return startPeriodicTask(async () => {
    try {
      const result = await options.sweep(options.clock.now());
      const hasRemoved = Object.values(result).some((count) => count > 0);
      // Counts only: ids and sizes say nothing here that an operator needs.
      options.logger[hasRemoved ? 'info' : 'debug'](result, 'files swept');
    } catch (error) {
      options.logger.error({ err: error }, 'file sweep failed');
    }
  }, options.intervalMs);
}
