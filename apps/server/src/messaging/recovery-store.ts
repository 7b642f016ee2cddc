import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { asBytes } from './bytes.js';

/* The user secrets sealed under the recovery key (migration 0003): one row per user. */

export interface RecoveryBlob {
  readonly sealedSecrets: Uint8Array;
  readonly updatedAt: Date;
}

/** Stores or replaces the user's sealed secrets. */
export async function upsertRecoveryBlob(
  db: Kysely<Database>,
  row: { organizationId: string; userId: string; sealedSecrets: Uint8Array; at: Date },
): Promise<void> {
  await db
    .insertInto('recovery_blobs')
    .values({
      user_id: row.userId,
      organization_id: row.organizationId,
      sealed_secrets: row.sealedSecrets,
      updated_at: row.at,
    })
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet({ sealed_secrets: row.sealedSecrets, updated_at: row.at }),
    )
    .execute();
}

export async function findRecoveryBlob(
  db: Kysely<Database>,
  organizationId: string,
  userId: string,
): Promise<RecoveryBlob | undefined> {
  const row = await db
    .selectFrom('recovery_blobs')
    .select(['sealed_secrets', 'updated_at'])
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : { sealedSecrets: asBytes(row.sealed_secrets), updatedAt: row.updated_at };
}
