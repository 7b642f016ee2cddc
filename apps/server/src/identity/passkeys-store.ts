import type { Kysely } from 'kysely';
import type { Database, PasskeyRow, WebauthnChallengeRow } from '../storage/schema.js';

export async function insertPasskey(db: Kysely<Database>, row: PasskeyRow): Promise<void> {
  await db.insertInto('passkeys').values(row).execute();
}

export async function listPasskeysOfUser(
  db: Kysely<Database>,
  organizationId: string,
  userId: string,
): Promise<PasskeyRow[]> {
  return db
    .selectFrom('passkeys')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();
}

export async function findPasskeyByCredentialId(
  db: Kysely<Database>,
  organizationId: string,
  credentialId: string,
): Promise<PasskeyRow | undefined> {
  return db
    .selectFrom('passkeys')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('credential_id', '=', credentialId)
    .executeTakeFirst();
}

export async function recordPasskeyUse(
  db: Kysely<Database>,
  passkeyId: string,
  signCount: number,
  at: Date,
): Promise<void> {
  await db
    .updateTable('passkeys')
    .set({ sign_count: signCount, last_used_at: at })
    .where('id', '=', passkeyId)
    .execute();
}

export async function deletePasskey(
  db: Kysely<Database>,
  organizationId: string,
  userId: string,
  passkeyId: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('passkeys')
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .where('id', '=', passkeyId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function insertChallenge(
  db: Kysely<Database>,
  row: WebauthnChallengeRow,
): Promise<void> {
  await db.insertInto('webauthn_challenges').values(row).execute();
}

/** A challenge is single use: taking it deletes it, whether or not it has expired. */
export async function takeChallenge(
  db: Kysely<Database>,
  challengeId: string,
): Promise<WebauthnChallengeRow | undefined> {
  return db
    .deleteFrom('webauthn_challenges')
    .where('id', '=', challengeId)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteExpiredChallenges(db: Kysely<Database>, now: Date): Promise<void> {
  await db.deleteFrom('webauthn_challenges').where('expires_at', '<=', now).execute();
}
