import { z } from 'zod';

/*
 * The colleague directory: every member may find the active users of their own organization,
 * to start conversations by name. It shows what a messenger shows (name and login name), never
 * roles, status or contact details; administrators have their own user list for that.
 */

export const MAX_DIRECTORY_QUERY_CHARS = 100;
export const MAX_DIRECTORY_PAGE_SIZE = 100;

export const directoryQuerySchema = z.strictObject({
  /** Part of a username or display name, case-insensitive; empty lists everyone. */
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
});
export type DirectoryEntry = z.infer<typeof directoryEntrySchema>;

export const directoryPageSchema = z.object({
  /** Ordered by username, case-insensitive. */
  users: z.array(directoryEntrySchema),
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type DirectoryPage = z.infer<typeof directoryPageSchema>;
