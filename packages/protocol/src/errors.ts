import { z } from 'zod';

/**
 * Stable, machine-readable error codes. Clients switch on these; the human text is only a hint.
 * Adding a code is compatible; renaming one is not.
 */
export const ERROR_CODES = [
  'invalid_request',
  'malformed_json',
  'body_too_large',
  'unsupported_media_type',
  'not_found',
  'method_not_allowed',
  'unauthenticated',
  'forbidden',
  'invalid_credentials',
  'passkey_required',
  'passkey_invalid',
  'challenge_expired',
  'too_many_requests',
  'setup_link_invalid',
  'setup_link_expired',
  'setup_already_done',
  'invite_invalid',
  'invite_expired',
  'invite_used',
  'username_taken',
  'organization_slug_taken',
  'organization_not_found',
  'user_not_found',
  'device_not_found',
  'device_revoked',
  'session_not_found',
  'last_admin',
  'conversation_not_found',
  'conversation_exists',
  'not_a_member',
  'not_a_poster',
  'epoch_conflict',
  'identity_key_exists',
  'invalid_frame',
  'unavailable',
  'internal_error',
  /** History backup: a sealed block over MAX_HISTORY_BLOCK_BYTES. */
  'history_block_too_large',
  /** History backup: the user's blocks would exceed the per-user quota. */
  'history_quota_exceeded',
  /** History backup: the block changed since the writer read it (expectedRevision). */
  'history_block_conflict',
  /** Leaving: the last owner of a group or channel names a successor while others remain. */
  'last_owner',
  /** Device links: no such pending link of the caller's user (or not the caller's to see). */
  'device_link_not_found',
  'device_link_expired',
  /** Device links: the link was approved already; a link is single use. */
  'device_link_used',
  'too_many_device_links',
  /** Recovery: the user has no sealed secrets for recovery on the server. */
  'recovery_not_found',
  /** Files: no such complete file the caller may read (or upload of the caller's device). */
  'file_not_found',
  /** Files: the upload's length is over the server's largest file (AMTSBOTE_MAX_FILE_MB). */
  'file_too_large',
  /** Files: the organization's files would exceed its quota (AMTSBOTE_FILE_QUOTA_GB). */
  'file_quota_exceeded',
  /** Policy: a file size or quota above the server's own (AMTSBOTE_MAX_FILE_MB, …_QUOTA_GB). */
  'policy_above_server_limit',
  /** Files: the Range of a download does not fit the file. */
  'range_not_satisfiable',
  /** Files: a PATCH at another offset than the upload has; ask with HEAD and resume there. */
  'upload_offset_conflict',
  /** Transfers: no such transfer (or not the caller's), or the ticket of a download is not valid. */
  'transfer_not_found',
  /** Transfers: the access token is wrong (a wrong password, or a damaged link). */
  'transfer_access_denied',
  'transfer_expired',
  'transfer_revoked',
  /** Transfers: its download limit is reached. */
  'transfer_exhausted',
  /** Transfers: too many wrong access tokens; the transfer takes none any more. */
  'transfer_locked',
  /** Web push: this server sends no push messages (no VAPID key could be loaded or made). */
  'push_unavailable',
  /** Web push: the subscription's endpoint or keys are not acceptable (see fields). */
  'push_subscription_invalid',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const fieldErrorSchema = z.object({
  path: z.string(),
  code: z.string(),
  message: z.string(),
});
export type FieldError = z.infer<typeof fieldErrorSchema>;

export const errorBodySchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    requestId: z.string().optional(),
    fields: z.array(fieldErrorSchema).optional(),
    retryAfterSeconds: z.number().int().optional(),
    /** epoch_conflict: the conversation's current epoch, so the client knows what it missed. */
    currentEpoch: z.number().int().optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
