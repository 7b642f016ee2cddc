import { z } from 'zod';
import type { Brand } from './identity.js';

/*
 * Encrypted files (ADR 0013). A device encrypts a file, uploads the ciphertext with tus to
 * FILE_UPLOADS_PATH and sends the file's id and key inside an MLS message; members of the
 * conversation download it from /api/files/:id with byte ranges. The server sees sizes only.
 */

/** The tus endpoint: POST creates an upload, HEAD/PATCH/DELETE on its Location continue it. */
export const FILE_UPLOADS_PATH = '/api/files/uploads';
export const TUS_VERSION = '1.0.0';
/** The one Upload-Metadata key the server reads and keeps; any other key is dropped. */
export const UPLOAD_METADATA_CONVERSATION_ID = 'conversationId';

/** A file id: a lowercase UUID chosen by the server (the tus upload id). */
export type FileId = Brand<string, 'FileId'>;
export const fileIdSchema = z
  .uuid()
  .regex(/^[0-9a-f-]+$/, 'a lowercase UUID')
  .transform((v) => v as FileId);

/** GET, HEAD and DELETE /api/files/:id. */
export const fileIdParamsSchema = z.strictObject({ id: fileIdSchema });

/**
 * The conversation an upload belongs to, from the tus Upload-Metadata; absent for a standalone
 * file, which its uploader shares by transfers (transfers.ts).
 */
export const uploadMetadataSchema = z.object({
  [UPLOAD_METADATA_CONVERSATION_ID]: z.uuid().optional(),
});
