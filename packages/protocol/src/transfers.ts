import { z } from 'zod';
import { fileIdSchema } from './files.js';
import type { Brand } from './identity.js';
import { bytesSchema } from './messaging.js';

/*
 * Transfers ("Dateitransfer"): a complete file shared by a link, with an expiry, an optional
 * download limit and an optional password, for recipients with or without an account. The link
 * is `<origin>/t/<transfer id>#<fragment>`; the fragment holds the link secret, which never
 * reaches the server. From the secret (and the password) the sender's device derives an access
 * token and a key that wraps the file key (packages/crypto, transfer-keys.ts); the server keeps
 * the SHA-256 of the access token, the wrapped key and the sealed metadata, all opaque to it.
 *
 * A recipient proves the access token to open the transfer (which does not count as a
 * download), then starts a download, which counts one and returns a ticket; with the ticket it
 * reads the ciphertext, with byte ranges, so an interrupted download resumes without counting
 * again. The sender's devices are told of each download (notice `transfer_downloaded`) and may
 * revoke the transfer at any time.
 */

export type TransferId = Brand<string, 'TransferId'>;
export const transferIdSchema = z
  .uuid()
  .regex(/^[0-9a-f-]+$/, 'a lowercase UUID')
  .transform((v) => v as TransferId);

/** The page a link opens: `${TRANSFER_PAGE_PATH}/<id>#<fragment>`. */
export const TRANSFER_PAGE_PATH = '/t';
export const MIN_TRANSFER_SECONDS = 60;
export const MAX_TRANSFER_SECONDS = 30 * 24 * 60 * 60;
export const MAX_TRANSFER_DOWNLOADS = 1000;
/** Wrong access tokens (wrong passwords) a transfer takes before it locks for good. */
export const MAX_TRANSFER_ACCESS_FAILURES = 10;
/** How long a download's ticket reads the file after the download started. */
export const TRANSFER_TICKET_SECONDS = 12 * 60 * 60;
/** The wrapped file key: nonce (12) || AES-256-GCM(file key) (32) || tag (16). */
export const WRAPPED_FILE_KEY_BYTES = 60;
/** The sealed file metadata (MAX_SEALED_FILE_METADATA_BYTES in packages/crypto). */
export const MAX_TRANSFER_METADATA_BYTES = 2109;

/** 32 bytes as unpadded base64url. */
const bytes32Schema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, '32 bytes, base64url');

export const TRANSFER_STATES = ['active', 'expired', 'revoked', 'exhausted', 'locked'] as const;
export type TransferState = (typeof TRANSFER_STATES)[number];

/** POST /api/transfers (a session of the sender). */
export const createTransferRequestSchema = z.strictObject({
  /** A complete file the caller may read: a standalone upload of theirs, or an attachment. */
  fileId: fileIdSchema,
  expiresInSeconds: z.number().int().min(MIN_TRANSFER_SECONDS).max(MAX_TRANSFER_SECONDS),
  /** null or absent: unlimited until expiry. */
  maxDownloads: z.number().int().min(1).max(MAX_TRANSFER_DOWNLOADS).nullable().default(null),
  /** Whether the link asks for a password (also marked in the link's fragment). */
  passwordProtected: z.boolean(),
  /** SHA-256 of the access token. */
  accessHash: bytes32Schema,
  wrappedKey: z
    .string()
    .length(Math.ceil((WRAPPED_FILE_KEY_BYTES * 4) / 3))
    .regex(/^[A-Za-z0-9_-]*$/, 'base64url'),
  sealedMetadata: bytesSchema(MAX_TRANSFER_METADATA_BYTES).min(1),
});
export type CreateTransferRequest = z.input<typeof createTransferRequestSchema>;

export const transferDownloadSchema = z.object({ startedAt: z.iso.datetime() });

/** A transfer as its sender sees it. */
export const transferSchema = z.object({
  id: z.uuid(),
  /** null once the file was deleted (the transfer has ended). */
  fileId: z.uuid().nullable(),
  /** Ciphertext bytes; 0 once the file was deleted. */
  sizeBytes: z.number().int(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  maxDownloads: z.number().int().nullable(),
  downloadCount: z.number().int(),
  passwordProtected: z.boolean(),
  state: z.enum(TRANSFER_STATES),
  revokedAt: z.iso.datetime().nullable(),
  downloads: z.array(transferDownloadSchema),
});
export type Transfer = z.infer<typeof transferSchema>;

export const transferListSchema = z.object({ transfers: z.array(transferSchema) });

export const transferIdParamsSchema = z.strictObject({ id: transferIdSchema });

/** POST /api/transfers/:id/open and /downloads (no session: the recipient proves the token). */
export const transferAccessRequestSchema = z.strictObject({ access: bytes32Schema });

/** What a recipient learns on opening: enough to decrypt and to show before downloading. */
export const transferOfferSchema = z.object({
  id: z.uuid(),
  /** Ciphertext bytes. */
  sizeBytes: z.number().int(),
  expiresAt: z.iso.datetime(),
  /** null: no limit. */
  downloadsLeft: z.number().int().nullable(),
  wrappedKey: z.string(),
  sealedMetadata: z.string(),
});
export type TransferOffer = z.infer<typeof transferOfferSchema>;

/** A started download: the ticket reads GET /api/transfers/:id/content until expiresAt. */
export const transferTicketSchema = z.object({
  ticket: z.string(),
  expiresAt: z.iso.datetime(),
});
export type TransferTicket = z.infer<typeof transferTicketSchema>;

/** The header that carries a download's ticket on GET/HEAD /api/transfers/:id/content. */
export const TRANSFER_TICKET_HEADER = 'x-transfer-ticket';
