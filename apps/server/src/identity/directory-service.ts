import type {
  DirectoryEntry,
  DirectoryLookupResponse,
  DirectoryPage,
  directoryLookupRequestSchema,
  directoryQuerySchema,
} from '@amtsbote/protocol';
import type { z } from 'zod';
import type { IdentityContext } from './identity-context.js';
import type { Principal } from './sessions.js';
import { findUsersByIds, searchActiveUsers, type DirectoryRow } from './directory-store.js';

/*
 * The colleague directory: any signed-in member finds the active users of their own
 * organization by name or department, a page at a time, and looks up the users behind ids seen
 * in conversations. Only what a staff directory shows leaves here: id, username, display name
 * and department (a work attribute colleagues see anyway); never role, status (beyond whether a
 * looked-up user is still active) or anything about devices.
 */

export async function searchDirectory(
  ctx: IdentityContext,
  principal: Principal,
  query: z.output<typeof directoryQuerySchema>,
): Promise<DirectoryPage> {
  // One more than asked: whether it exists tells if there is a next page.
  const rows = await searchActiveUsers(ctx.db, principal.organizationId, {
    text: query.query,
    afterKey: query.after ?? null,
    limit: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    users: page.map(toEntry),
    nextCursor: rows.length > query.limit && last !== undefined ? last.usernameKey : null,
  };
}

/**
 * The users of the caller's organization among the ids, disabled ones included: a former
 * colleague's old messages still need a name. Ids not found are left out, so an answer never
 * tells whether an id exists in another organization.
 */
export async function lookupDirectory(
  ctx: IdentityContext,
  principal: Principal,
  request: z.output<typeof directoryLookupRequestSchema>,
): Promise<DirectoryLookupResponse> {
  const rows = await findUsersByIds(ctx.db, principal.organizationId, request.userIds);
  return { users: rows.map((r) => ({ ...toEntry(r), isActive: r.isActive })) };
}

function toEntry(row: DirectoryRow): DirectoryEntry {
  return {
    id: row.id,
    username: row.username,
    displayName: row.displayName,
    department: row.department,
  };
}
