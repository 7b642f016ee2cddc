import { z } from 'zod';

/*
 * The colleague directory: every member may find the active users of their own organization,
 * to start conversations by name or department, and may look up the users behind the ids they
 * see in conversations. It shows what a staff directory shows (name, login name, department),
 * never roles, status or devices; administrators have their own user list for that.
 */

export const MAX_DIRECTORY_QUERY_CHARS = 100;
export const MAX_DIRECTORY_PAGE_SIZE = 100;
/** User ids in one lookup; MessagingClient.lookupUsers splits longer lists into batches. */
export const MAX_DIRECTORY_LOOKUP_IDS = 200;

export const directoryQuerySchema = z.strictObject({
  /** Part of a username, display name or department, case-insensitive; empty lists everyone. */
  query: z.string().trim().max(MAX_DIRECTORY_QUERY_CHARS).default(''),
  limit: z.coerce.number().int().min(1).max(MAX_DIRECTORY_PAGE_SIZE).default(50),
  /** The nextCursor of the previous page. */
  after: z.string().max(200).optional(),
});
export type DirectoryQuery = z.input<typeof directoryQuerySchema>;

export const directoryEntrySchema = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  department: z.string().nullable(),
});
export type DirectoryEntry = z.infer<typeof directoryEntrySchema>;

export const directoryPageSchema = z.object({
  /** Ordered by username, case-insensitive. */
  users: z.array(directoryEntrySchema),
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type DirectoryPage = z.infer<typeof directoryPageSchema>;

/** Whether no id occurs twice (uuids compared without regard to case). */
function hasUniqueIds(ids: readonly string[]): boolean {
  return new Set(ids.map((id) => id.toLowerCase())).size === ids.length;
}

/** POST /api/directory/lookup: the users behind ids seen in conversations. */
export const directoryLookupRequestSchema = z.strictObject({
  userIds: z
    .array(z.uuid())
    .min(1)
    .max(MAX_DIRECTORY_LOOKUP_IDS)
    .refine(hasUniqueIds, { message: 'name each user id once' }),
});
export type DirectoryLookupRequest = z.input<typeof directoryLookupRequestSchema>;

/**
 * A looked-up user. Disabled users are found too (a former colleague's old messages still
 * need a name); isActive tells them apart.
 */
export const directoryLookupEntrySchema = directoryEntrySchema.extend({
  isActive: z.boolean(),
});
export type DirectoryLookupEntry = z.infer<typeof directoryLookupEntrySchema>;

export const directoryLookupResponseSchema = z.object({
  /**
   * The users of the caller's organization among the ids, ordered by username; an id that
   * is unknown or belongs to another organization is absent, never an error.
   */
  users: z.array(directoryLookupEntrySchema),
});
export type DirectoryLookupResponse = z.infer<typeof directoryLookupResponseSchema>;
