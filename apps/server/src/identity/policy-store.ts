import type { OrganizationPolicy } from '@amtsbote/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';

/* The organization's policy row (migration 0005); an organization without one has the defaults. */

export const DEFAULT_POLICY: OrganizationPolicy = { hasReadReceipts: true };

export async function findPolicy(
  db: Kysely<Database>,
  organizationId: string,
): Promise<OrganizationPolicy> {
  const row = await db
    .selectFrom('organization_policies')
    .select('has_read_receipts')
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  return row === undefined ? DEFAULT_POLICY : { hasReadReceipts: row.has_read_receipts };
}

export async function upsertPolicy(
  db: Kysely<Database>,
  organizationId: string,
  policy: OrganizationPolicy,
  at: Date,
): Promise<void> {
  await db
    .insertInto('organization_policies')
    .values({
      organization_id: organizationId,
      has_read_receipts: policy.hasReadReceipts,
      updated_at: at,
    })
    .onConflict((oc) =>
      oc.column('organization_id').doUpdateSet({
        has_read_receipts: policy.hasReadReceipts,
        updated_at: at,
      }),
    )
    .execute();
}
