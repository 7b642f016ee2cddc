import { sql, type Kysely } from 'kysely';

/**
 * The organization's device policy for the apps' vaults: after how many failed PIN or
 * passphrase attempts a vault erases itself, and the longest idle time before an app locks.
 * Existing rows take the defaults, which are what the apps did before (a vault's own limit of
 * 10; an hour, the longest lock time a member could choose). The bounds are the protocol's
 * (packages/protocol policy.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('organization_policies')
    .addColumn('vault_wipe_after_failures', 'integer', (c) => c.notNull().defaultTo(10))
    .addColumn('max_lock_after_minutes', 'integer', (c) => c.notNull().defaultTo(60))
    .execute();
  await db.schema
    .alterTable('organization_policies')
    .addCheckConstraint(
      'organization_policies_device_limits',
      sql`vault_wipe_after_failures between 3 and 50
        and max_lock_after_minutes between 1 and 60`,
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('organization_policies')
    .dropConstraint('organization_policies_device_limits')
    .execute();
  await db.schema
    .alterTable('organization_policies')
    .dropColumn('max_lock_after_minutes')
    .dropColumn('vault_wipe_after_failures')
    .execute();
}
