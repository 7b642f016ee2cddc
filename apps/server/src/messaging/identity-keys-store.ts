import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { asBytes } from './bytes.js';

/** Stores the user's identity key unless one is stored; returns the key that is stored. */
export async function insertIdentityKeyOnce(
  db: Kysely<Database>,
  row: { userId: string; organizationId: string; publicKey: Uint8Array; at: Date },
): Promise<Uint8Array> {
  await db
    .insertInto('identity_keys')
    .values({
      user_id: row.userId,
      organization_id: row.organizationId,
      public_key: row.publicKey,
      created_at: row.at,
    })
    .onConflict((oc) => oc.column('user_id').doNothing())
    .execute();
  const stored = await db
    .selectFrom('identity_keys')
    .select('public_key')
    .where('user_id', '=', row.userId)
    .executeTakeFirstOrThrow();
  return asBytes(stored.public_key);
}

export interface UserIdentityRow {
  readonly isActive: boolean;
  readonly publicKey: Uint8Array | null;
  readonly liveDeviceIds: readonly string[];
}

/** The user's identity key and live devices; undefined when the user is not in the organization. */
export async function findUserIdentity(
  db: Kysely<Database>,
  organizationId: string,
  userId: string,
): Promise<UserIdentityRow | undefined> {
  const user = await db
    .selectFrom('users as u')
    .leftJoin('identity_keys as k', 'k.user_id', 'u.id')
    .select(['u.status', 'k.public_key'])
    .where('u.organization_id', '=', organizationId)
    .where('u.id', '=', userId)
    .executeTakeFirst();
  if (user === undefined) return undefined;
  const isActive = user.status === 'active';
  const devices = isActive
    ? await db
        .selectFrom('devices')
        .select('id')
        .where('organization_id', '=', organizationId)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .orderBy('created_at')
        .execute()
    : [];
  return {
    isActive,
    publicKey: user.public_key === null ? null : asBytes(user.public_key),
    liveDeviceIds: devices.map((d) => d.id),
  };
}
