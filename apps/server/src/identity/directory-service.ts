import type { DirectoryPage, directoryQuerySchema } from '@amtsbote/protocol';
import type { z } from 'zod';
import type { IdentityContext } from './identity-context.js';
import type { Principal } from './sessions.js';
import { searchActiveUsers } from './directory-store.js';

/*
 * The colleague directory: any signed-in member finds the active users of their own
 * organization by name, a page at a time. Only what a messenger shows leaves here: id, username
 * and display name; never role, status, department or anything about devices.
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
    users: page.map((r) => ({ id: r.id, username: r.username, displayName: r.displayName })),
    nextCursor: rows.length > query.limit && last !== undefined ? last.usernameKey : null,
  };
}
