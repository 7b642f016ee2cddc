import type { Kysely } from 'kysely';
import type { Database, SetupTokenRow } from '../storage/schema.js';

/** Replaces any earlier open setup token: only the newest printed link works. */
export async function replaceSetupToken(db: Kysely<Database>, row: SetupTokenRow): Promise<void> {
  await db.deleteFrom('setup_tokens').where('used_at', 'is', null).execute();
  await db.insertInto('setup_tokens').values(row).execute();
}

export async function findSetupTokenByHash(
  db: Kysely<Database>,
  tokenHash: string,
): Promise<SetupTokenRow | undefined> {
  return db
    .selectFrom('setup_tokens')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export async function consumeSetupToken(
  db: Kysely<Database>,
  id: string,
  at: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('setup_tokens')
    .set({ used_at: at })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', at)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
