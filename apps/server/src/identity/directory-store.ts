import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { escapeLike } from './users-store.js';

export interface DirectoryRow {
  readonly id: string;
  readonly username: string;
  readonly usernameKey: string;
  readonly displayName: string;
  readonly department: string | null;
  readonly isActive: boolean;
}

export interface DirectorySearch {
  /** Part of the username, display name or department; '' matches everyone. */
  readonly text: string;
  /** Only users whose username key sorts after this one (the previous page's last). */
  readonly afterKey: string | null;
  readonly limit: number;
}

const DIRECTORY_COLUMNS = [
  'id',
  'username',
  'username_key',
  'display_name',
  'department',
  'status',
] as const;

/** Active users of the organization, by username key; keyset paging keeps every page cheap. */
export async function searchActiveUsers(
  db: Kysely<Database>,
  organizationId: string,
  search: DirectorySearch,
): Promise<DirectoryRow[]> {
  let query = db
    .selectFrom('users')
    .select(DIRECTORY_COLUMNS)
    .where('organization_id', '=', organizationId)
    .where('status', '=', 'active');
  if (search.text !== '') {
    // The text is a bound parameter; escaping makes %, _ and \ in it plain characters.
    const pattern = `%${escapeLike(search.text)}%`;
    query = query.where((eb) =>
      eb.or([
        eb('username', 'ilike', pattern),
        eb('display_name', 'ilike', pattern),
        eb('department', 'ilike', pattern),
      ]),
    );
  }
  if (search.afterKey !== null) query = query.where('username_key', '>', search.afterKey);
  const rows = await query.orderBy('username_key').limit(search.limit).execute();
  return rows.map(toDirectoryRow);
}

/**
 * The users of the organization among the ids, active or disabled, by username key. Ids of
 * other organizations and unknown ids are simply not found.
 */
export async function findUsersByIds(
  db: Kysely<Database>,
  organizationId: string,
  userIds: readonly string[],
): Promise<DirectoryRow[]> {
  if (userIds.length === 0) return [];
  const rows = await db
    .selectFrom('users')
    .select(DIRECTORY_COLUMNS)
    .where('organization_id', '=', organizationId)
    .where('id', 'in', userIds)
    .orderBy('username_key')
    .execute();
  return rows.map(toDirectoryRow);
}

function toDirectoryRow(row: {
  id: string;
  username: string;
  username_key: string;
  display_name: string;
  department: string | null;
  status: 'active' | 'disabled';
}): DirectoryRow {
  return {
    id: row.id,
    username: row.username,
    usernameKey: row.username_key,
    displayName: row.display_name,
    department: row.department,
    isActive: row.status === 'active',
  };
}
