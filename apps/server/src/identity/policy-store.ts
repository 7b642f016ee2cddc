import {
  DEFAULT_FILE_TYPE_RULE,
  DEFAULT_MAX_LOCK_AFTER_MINUTES,
  DEFAULT_VAULT_WIPE_AFTER_FAILURES,
  type FileTypeRule,
  type PolicyChange,
} from '@amtsbote/protocol';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';

/*
 * The organization's policy row (migrations 0005, 0012, 0014); an organization without one has the
 * defaults. The file sizes are stored as chosen, null while the organization follows the
 * server's config; what is in force is worked out when read (policy-service.ts, file-limits.ts).
 */

export interface StoredPolicy {
  readonly hasReadReceipts: boolean;
  /** MiB; null: the server's AMTSBOTE_MAX_FILE_MB. */
  readonly maxFileMegabytes: number | null;
  /** GiB; null: the server's AMTSBOTE_FILE_QUOTA_GB. */
  readonly fileQuotaGigabytes: number | null;
  readonly isFileDownloadAllowed: boolean;
  readonly fileTypes: FileTypeRule;
  /** Failed PIN attempts after which an app's vault erases itself. */
  readonly vaultWipeAfterFailures: number;
  /** The longest idle time before an app locks, in minutes. */
  readonly maxLockAfterMinutes: number;
}

export const DEFAULT_POLICY: StoredPolicy = {
  hasReadReceipts: true,
  maxFileMegabytes: null,
  fileQuotaGigabytes: null,
  isFileDownloadAllowed: true,
  fileTypes: DEFAULT_FILE_TYPE_RULE,
  vaultWipeAfterFailures: DEFAULT_VAULT_WIPE_AFTER_FAILURES,
  maxLockAfterMinutes: DEFAULT_MAX_LOCK_AFTER_MINUTES,
};

export async function findPolicy(
  db: Kysely<Database>,
  organizationId: string,
): Promise<StoredPolicy> {
  const row = await db
    .selectFrom('organization_policies')
    .select([
      'has_read_receipts',
      'max_file_megabytes',
      'file_quota_gigabytes',
      'is_file_download_allowed',
      'file_type_mode',
      'file_type_extensions',
      'vault_wipe_after_failures',
      'max_lock_after_minutes',
    ])
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  if (row === undefined) return DEFAULT_POLICY;
  return {
    hasReadReceipts: row.has_read_receipts,
    maxFileMegabytes: row.max_file_megabytes,
    fileQuotaGigabytes: row.file_quota_gigabytes,
    isFileDownloadAllowed: row.is_file_download_allowed,
    fileTypes: { mode: row.file_type_mode, extensions: row.file_type_extensions },
    vaultWipeAfterFailures: row.vault_wipe_after_failures,
    maxLockAfterMinutes: row.max_lock_after_minutes,
  };
}

interface PolicyColumns {
  has_read_receipts?: boolean;
  max_file_megabytes?: number | null;
  file_quota_gigabytes?: number | null;
  is_file_download_allowed?: boolean;
  file_type_mode?: FileTypeRule['mode'];
  file_type_extensions?: string[];
  vault_wipe_after_failures?: number;
  max_lock_after_minutes?: number;
}

/** The columns of the fields a change names; the others are left out. */
function columnsOf(change: PolicyChange | StoredPolicy): PolicyColumns {
  const { hasReadReceipts, maxFileMegabytes, fileQuotaGigabytes, isFileDownloadAllowed } = change;
  const { vaultWipeAfterFailures, maxLockAfterMinutes } = change;
  return {
    ...(hasReadReceipts === undefined ? {} : { has_read_receipts: hasReadReceipts }),
    ...(maxFileMegabytes === undefined ? {} : { max_file_megabytes: maxFileMegabytes }),
    ...(fileQuotaGigabytes === undefined ? {} : { file_quota_gigabytes: fileQuotaGigabytes }),
    ...(isFileDownloadAllowed === undefined
      ? {}
      : { is_file_download_allowed: isFileDownloadAllowed }),
    ...(change.fileTypes === undefined
      ? {}
      : {
          file_type_mode: change.fileTypes.mode,
          file_type_extensions: [...change.fileTypes.extensions],
        }),
    ...(vaultWipeAfterFailures === undefined
      ? {}
      : { vault_wipe_after_failures: vaultWipeAfterFailures }),
    ...(maxLockAfterMinutes === undefined ? {} : { max_lock_after_minutes: maxLockAfterMinutes }),
  };
}

/**
 * Changes the fields the change names and nothing else, in one statement: an organization
 * without a row gets one with the defaults for the rest, so two administrators changing
 * different settings at once both keep their change.
 */
export async function updatePolicy(
  db: Kysely<Database>,
  organizationId: string,
  change: PolicyChange,
  at: Date,
): Promise<void> {
  const changed = columnsOf(change);
  await db
    .insertInto('organization_policies')
    .values({
      ...columnsOf(DEFAULT_POLICY),
      has_read_receipts: DEFAULT_POLICY.hasReadReceipts,
      ...changed,
      organization_id: organizationId,
      updated_at: at,
    })
    .onConflict((oc) => oc.column('organization_id').doUpdateSet({ ...changed, updated_at: at }))
    .execute();
}
