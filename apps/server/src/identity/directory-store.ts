import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { escapeLike } from './users-store.js';

export interface DirectoryRow {
  readonly id: string;
  readonly username: string;
  readonly usernameKey: string;
  readonly displayName: string;
}

export interface DirectorySearch {
  /** Part of the username or display name; '' matches everyone. */
  readonly text: string;
  /** Only users whose username key sorts after this one (the previous page's last). */
  readonly afterKey: string | null;
  readonly limit: number;
}

/** Active users of the organization, by username key; keyset paging keeps every page cheap. */
export async function searchActiveUsers(
  db: Kysely<Database>,
  organizationId: string,
  search: DirectorySearch,
): Promise<DirectoryRow[]> {
  let query = db
    .selectFrom('users')
    .select(['id', 'username', 'username_key', 'display_name'])
    .where('organization_id', '=', organizationId)
    .where('status', '=', 'active');
  if (search.text !== '') {
    const pattern = `%${escapeLike(search.text)}%`;
    query = query.where((eb) =>
      eb.or([eb('username', 'ilike', pattern), eb('display_name', 'ilike', pattern)]),
    );
  }
  if (search.afterKey !== null) query = query.where('username_key', '>', search.afterKey);
  const rows = await query.orderBy('username_key').limit(search.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    username: r.username,
    usernameKey: r.username_key,
    displayName: r.display_name,
  }));
}
