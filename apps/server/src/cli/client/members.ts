import { ApiError, type HttpApi } from '@amtsbote/client';
import { userViewSchema } from '@amtsbote/protocol';
import { z } from 'zod';
import { ClientCliError } from './client-error.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_MEMBERS = 100;
const usersSchema = z.object({ users: z.array(userViewSchema) });

/** "u2, u3" → ['u2', 'u3']; refuses an empty or oversized list. */
export function parseMemberList(text: string): string[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) throw new ClientCliError('invalid_members', 'name at least one member');
  if (names.length > MAX_MEMBERS) {
    throw new ClientCliError('invalid_members', `at most ${MAX_MEMBERS} members at a time`);
  }
  return [...new Set(names)];
}

/**
 * Usernames to user ids. Members have no directory endpoint yet: only administrators may list
 * users (GET /api/admin/users), so a member passes user ids, which are taken as they are.
 */
export async function resolveUserIds(http: HttpApi, names: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) {
    if (UUID.test(name)) {
      ids.push(name.toLowerCase());
      continue;
    }
    let users;
    try {
      const query = new URLSearchParams({ q: name, limit: '500' });
      users = (
        await http.request('GET', `/api/admin/users?${query.toString()}`, undefined, usersSchema)
      ).users;
    } catch (error) {
      if (error instanceof ApiError && error.status === 403) {
        throw new ClientCliError(
          'username_lookup_forbidden',
          `cannot look up "${name}": only administrators may look up users by name; pass the user id instead`,
          2,
          { cause: error },
        );
      }
      throw error;
    }
    const user = users.find((u) => u.username === name);
    if (user === undefined) throw new ClientCliError('unknown_user', `no user named "${name}"`);
    ids.push(user.id);
  }
  return ids;
}
