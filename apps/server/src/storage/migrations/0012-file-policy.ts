import { sql, type Kysely } from 'kysely';

/**
 * The organization's file policy, beside its read-receipt setting. The largest file and the
 * quota are null while the organization follows the server's AMTSBOTE_MAX_FILE_MB and
 * AMTSBOTE_FILE_QUOTA_GB, so a change of the server's config reaches every organization that
 * never chose; a chosen value is capped by the server's when read. Saving files on devices and
 * the file-type rule (by extension, enforced by the sending client) start at what allows
 * everything, as it was before: existing rows take the defaults.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('organization_policies')
    .addColumn('max_file_megabytes', 'integer')
    .addColumn('file_quota_gigabytes', 'integer')
    .addColumn('is_file_download_allowed', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('file_type_mode', 'text', (c) => c.notNull().defaultTo('deny'))
    .addColumn('file_type_extensions', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .execute();
  await db.schema
    .alterTable('organization_policies')
    .addCheckConstraint(
      'organization_policies_file_limits',
      sql`(max_file_megabytes is null or max_file_megabytes >= 1)
        and (file_quota_gigabytes is null or file_quota_gigabytes >= 1)`,
    )
    .execute();
  await db.schema
    .alterTable('organization_policies')
    .addCheckConstraint(
      'organization_policies_file_types',
      sql`file_type_mode in ('allow', 'deny') and cardinality(file_type_extensions) <= 200`,
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const constraint of [
    'organization_policies_file_types',
    'organization_policies_file_limits',
  ]) {
    await db.schema.alterTable('organization_policies').dropConstraint(constraint).execute();
  }
  await db.schema
    .alterTable('organization_policies')
    .dropColumn('file_type_extensions')
    .dropColumn('file_type_mode')
    .dropColumn('is_file_download_allowed')
    .dropColumn('file_quota_gigabytes')
    .dropColumn('max_file_megabytes')
    .execute();
}
