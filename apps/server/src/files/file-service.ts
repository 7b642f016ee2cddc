import type { Kysely } from 'kysely';
import type { DataStore } from '@tus/server';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { Principal } from '../identity/sessions.js';
import { lockOrganization } from '../identity/organizations-store.js';
import { findMemberRole } from '../messaging/conversations-store.js';
import type { Notice } from '../messaging/delivery.js';
import type { Database } from '../storage/schema.js';
import { parseBlobId } from './blob-id.js';
import { organizationFileLimits } from './file-limits.js';
import type { BlobStore } from './blob-store.js';
import {
  completeFile,
  deleteFileRecord,
  findFile,
  insertFile,
  usedFileBytes,
  type FileRecord,
} from './files-store.js';
import { isTusError } from './tus-errors.js';

/*
 * Encrypted files (ADR 0013): who may upload, continue, read and delete which file. The
 * server keeps ciphertext only; a row in `files` says whose it is and which conversation's.
 * Whatever the caller may not see gets the same answer as what does not exist.
 */

export interface FileLimits {
  /** Largest upload (the tus Upload-Length), AMTSBOTE_MAX_FILE_MB. */
  readonly maxFileBytes: number;
  /** Per organization over all its files, AMTSBOTE_FILE_QUOTA_GB. */
  readonly quotaBytes: number;
}

/** What the file use cases need, built once in the composition root and passed in. */
export interface FilesContext {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly blobStore: BlobStore;
  /** The tus DataStore of blobStore, shared with the tus server. */
  readonly uploads: DataStore;
  readonly limits: FileLimits;
  /** Tells the sender's live devices that a transfer of theirs is being downloaded. */
  readonly notifyTransferDownloaded: (
    organizationId: string,
    userId: string,
    notice: Extract<Notice, { type: 'transfer_downloaded' }>,
  ) => Promise<void>;
}

export interface NewUpload {
  readonly id: string;
  readonly sizeBytes: number;
  /** null: a standalone file, to be shared by transfers. */
  readonly conversationId: string | null;
}

export const fileNotFound = (): AppError => new AppError(404, 'file_not_found', 'file not found');

export const fileTooLarge = (limits: FileLimits): AppError =>
  new AppError(413, 'file_too_large', `a file has at most ${limits.maxFileBytes} bytes`);

/**
 * Records a new upload of the caller's device for a conversation the caller's user is a member
 * of, within the organization's quota. Check and insert hold the organization's lock, so two
 * creations at once cannot both take the last free bytes.
 */
export async function createUploadRecord(
  ctx: FilesContext,
  principal: Principal,
  upload: NewUpload,
): Promise<void> {
  // The organization's own limits, within the server's (its policy, file-limits.ts).
  const limits = await organizationFileLimits(ctx.db, ctx.limits, principal.organizationId);
  if (upload.sizeBytes > limits.maxFileBytes) throw fileTooLarge(limits);
  if (upload.conversationId !== null) {
    const role = await findMemberRole(
      ctx.db,
      principal.organizationId,
      upload.conversationId,
      principal.userId,
    );
    if (role === undefined) {
      throw new AppError(404, 'conversation_not_found', 'conversation not found');
    }
  }
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (tx) => {
    // The organization's row lock makes the quota check and the insert one step.
    await lockOrganization(tx, principal.organizationId);
    const used = await usedFileBytes(tx, principal.organizationId);
    if (used + upload.sizeBytes > limits.quotaBytes) {
      throw new AppError(507, 'file_quota_exceeded', "the organization's file quota is used up");
    }
    await insertFile(tx, {
      id: upload.id,
      organizationId: principal.organizationId,
      uploaderUserId: principal.userId,
      uploaderDeviceId: principal.deviceId,
      conversationId: upload.conversationId,
      sizeBytes: upload.sizeBytes,
      createdAt: now,
    });
  });
}

/** The caller's device's own upload, finished or not; file_not_found for anyone else. */
export async function requireOwnUpload(
  ctx: FilesContext,
  principal: Principal,
  id: string,
): Promise<FileRecord> {
  const file = await findFile(ctx.db, principal.organizationId, id);
  if (file?.uploaderDeviceId !== principal.deviceId) throw fileNotFound();
  return file;
}

export async function completeUploadRecord(
  ctx: FilesContext,
  principal: Principal,
  id: string,
): Promise<void> {
  await completeFile(ctx.db, principal.organizationId, id, ctx.clock.now());
}

/**
 * Completes the row of an upload whose bytes are all stored but whose completion was never
 * recorded (the server stopped between the last write and onUploadFinish). The client learns
 * from a HEAD that the upload is whole and takes it as done, so the server must too, or the
 * sweeper would remove a file the client believes delivered.
 */
export async function completeIfWhole(
  ctx: FilesContext,
  principal: Principal,
  file: FileRecord,
): Promise<void> {
  if (file.status !== 'uploading') return;
  let upload;
  try {
    upload = await ctx.uploads.getUpload(file.id);
  } catch (error) {
    if (isTusError(error, 'FILE_NOT_FOUND')) return;
    throw error;
  }
  if (upload.size !== undefined && upload.offset === upload.size) {
    await completeUploadRecord(ctx, principal, file.id);
  }
}

/** Forgets an upload the caller's device terminates (tus DELETE removes its bytes). */
export async function removeUploadRecord(
  ctx: FilesContext,
  principal: Principal,
  id: string,
): Promise<void> {
  await requireOwnUpload(ctx, principal, id);
  await deleteFileRecord(ctx.db, principal.organizationId, id);
}

/**
 * A complete file the caller may read: the uploader's, or one of a conversation the caller's
 * user is a member of now. file_not_found otherwise, unfinished uploads included.
 */
export async function requireReadableFile(
  ctx: FilesContext,
  principal: Principal,
  id: string,
): Promise<FileRecord> {
  const file = await findFile(ctx.db, principal.organizationId, id);
  if (file?.status !== 'complete') throw fileNotFound();
  if (file.uploaderUserId === principal.userId) return file;
  if (file.conversationId === null) throw fileNotFound();
  const role = await findMemberRole(
    ctx.db,
    principal.organizationId,
    file.conversationId,
    principal.userId,
  );
  if (role === undefined) throw fileNotFound();
  return file;
}

/**
 * Deletes a file of the caller's user, its row first: a file without a row can no longer be
 * read, and bytes left behind by a failure later are the sweeper's to remove.
 */
export async function deleteOwnFile(
  ctx: FilesContext,
  principal: Principal,
  id: string,
): Promise<void> {
  const file = await findFile(ctx.db, principal.organizationId, id);
  if (file?.uploaderUserId !== principal.userId) throw fileNotFound();
  await deleteFileRecord(ctx.db, principal.organizationId, id);
  if (file.status === 'complete') {
    await ctx.blobStore.delete(parseBlobId(id));
    return;
  }
  // An unfinished upload: its bytes are not a blob yet.
  await ctx.uploads.remove(id).catch((error: unknown) => {
    if (!isTusError(error, 'FILE_NOT_FOUND')) throw error;
  });
}
