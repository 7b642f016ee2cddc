import type { DirectoryPage } from '@amtsbote/protocol';
import { ClientCliError } from './client-error.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_MEMBERS = 100;
const DIRECTORY_PAGE_SIZE = 100;
/** A name that is part of more usernames than this is looked for no further. */
const MAX_DIRECTORY_PAGES = 50;

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

/** The colleague directory (MessagingClient.searchDirectory), open to every member. */
export interface Directory {
  searchDirectory(
    query: string,
    page: { readonly limit?: number; readonly after?: string },
  ): Promise<DirectoryPage>;
}

/** The id of the active colleague with exactly this username (compared case-insensitively). */
async function findUsername(directory: Directory, name: string): Promise<string | null> {
  const key = name.toLowerCase();
  let after: string | undefined;
  for (let page = 0; page < MAX_DIRECTORY_PAGES; page++) {
    const found = await directory.searchDirectory(name, {
      limit: DIRECTORY_PAGE_SIZE,
      ...(after === undefined ? {} : { after }),
    });
    const user = found.users.find((u) => u.username.toLowerCase() === key);
    if (user !== undefined) return user.id;
    if (found.nextCursor === null) return null;
    after = found.nextCursor;
  }
  return null;
}

/** Usernames to user ids through the directory; user ids are taken as they are. */
export async function resolveUserIds(
  directory: Directory,
  names: readonly string[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) {
    if (UUID.test(name)) {
      ids.push(name.toLowerCase());
      continue;
    }
    const id = await findUsername(directory, name);
    if (id === null) throw new ClientCliError('unknown_user', `no active user named "${name}"`);
    ids.push(id);
  }
  return ids;
}
