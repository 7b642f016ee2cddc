import type { Kysely } from 'kysely';
import type { Database, InviteRow } from '../storage/schema.js';

export async function insertInvite(db: Kysely<Database>, row: InviteRow): Promise<void> {
  await db.insertInto('invites').values(row).execute();
}

export async function findInviteByTokenHash(
  db: Kysely<Database>,
  tokenHash: string,
): Promise<InviteRow | undefined> {
  return db
    .selectFrom('invites')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/**
 * Marks the invite used if and only if it is still open. Two concurrent acceptances race here
 * and exactly one wins.
 */
export async function consumeInvite(
  db: Kysely<Database>,
  inviteId: string,
  userId: string,
  at: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('invites')
    .set({ used_at: at, used_by: userId })
    .where('id', '=', inviteId)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', at)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function listInvites(
  db: Kysely<Database>,
  organizationId: string,
): Promise<InviteRow[]> {
  return db
    .selectFrom('invites')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('created_at', 'desc')
    .limit(500)
    .execute();
}

export async function revokeInvite(
  db: Kysely<Database>,
  organizationId: string,
  inviteId: string,
  at: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('invites')
    .set({ revoked_at: at })
    .where('organization_id', '=', organizationId)
    .where('id', '=', inviteId)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
