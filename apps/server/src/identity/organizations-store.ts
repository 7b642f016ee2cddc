import type { Kysely } from 'kysely';
import type { Database, OrganizationRow } from '../storage/schema.js';

export async function insertOrganization(
  db: Kysely<Database>,
  row: OrganizationRow,
): Promise<void> {
  await db.insertInto('organizations').values(row).execute();
}

export async function findOrganizationBySlug(
  db: Kysely<Database>,
  slug: string,
): Promise<OrganizationRow | undefined> {
  return db.selectFrom('organizations').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export async function findOrganizationById(
  db: Kysely<Database>,
  id: string,
): Promise<OrganizationRow | undefined> {
  return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function countOrganizations(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('organizations')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listOrganizations(db: Kysely<Database>): Promise<OrganizationRow[]> {
  return db.selectFrom('organizations').selectAll().orderBy('slug').execute();
}

/**
 * Takes the organization's row lock until the transaction ends. Changes that must see a stable
 * set of administrators (disabling or demoting one) take it first, so two concurrent requests
 * cannot each remove "the other" last administrator.
 */
export async function lockOrganization(
  db: Kysely<Database>,
  organizationId: string,
): Promise<void> {
  await db
    .selectFrom('organizations')
    .select('id')
    .where('id', '=', organizationId)
    .forUpdate()
    .execute();
}
