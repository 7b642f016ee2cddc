import type { Kysely } from 'kysely';
import type { Database, UserRow } from '../storage/schema.js';

export const usernameKey = (username: string): string => username.toLowerCase();

export async function insertUser(db: Kysely<Database>, row: UserRow): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

export async function findUserById(
  db: Kysely<Database>,
  organizationId: string,
  userId: string,
): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', '=', userId)
    .executeTakeFirst();
}

export async function findUserByUsername(
  db: Kysely<Database>,
  organizationId: string,
  username: string,
): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('username_key', '=', usernameKey(username))
    .executeTakeFirst();
}

export interface UserListQuery {
  readonly search?: string | undefined;
  readonly limit: number;
}

/** LIKE patterns match the text literally: %, _ and \ in it are escaped. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export async function listUsers(
  db: Kysely<Database>,
  organizationId: string,
  query: UserListQuery,
): Promise<UserRow[]> {
  let q = db.selectFrom('users').selectAll().where('organization_id', '=', organizationId);
  if (query.search !== undefined && query.search !== '') {
    const pattern = `%${escapeLike(query.search)}%`;
    q = q.where((eb) =>
      eb.or([
        eb('username', 'ilike', pattern),
        eb('display_name', 'ilike', pattern),
        eb('department', 'ilike', pattern),
      ]),
    );
  }
  return q.orderBy('username_key').limit(query.limit).execute();
}

export async function updateUser(
  db: Kysely<Database>,
  organizationId: string,
  userId: string,
  changes: Partial<
    Pick<UserRow, 'display_name' | 'department' | 'role' | 'status' | 'require_passkey'>
  > & { updated_at: Date },
): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set(changes)
    .where('organization_id', '=', organizationId)
    .where('id', '=', userId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function countActiveAdmins(
  db: Kysely<Database>,
  organizationId: string,
): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('organization_id', '=', organizationId)
    .where('role', '=', 'admin')
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
