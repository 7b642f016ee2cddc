import { z } from 'zod';

/*
 * Organization-wide settings that clients follow. The server stores them and every member may
 * read them; only administrators change them. Clients enforce them on their side (the server
 * cannot tell a read receipt from any other encrypted message, nor a file's name or type);
 * the server enforces the file size limit and the quota.
 */

/** The most a file-size or quota setting can say; the server's own config caps it further. */
export const MAX_POLICY_FILE_MEGABYTES = 1024 * 1024;
export const MAX_POLICY_FILE_QUOTA_GIGABYTES = 1024 * 1024;
export const MAX_FILE_TYPE_EXTENSIONS = 200;

export const FILE_TYPE_RULE_MODES = ['allow', 'deny'] as const;
export type FileTypeRuleMode = (typeof FILE_TYPE_RULE_MODES)[number];

/** A file name extension as a rule lists it: lower case, without the dot, e.g. "exe". */
export const fileExtensionSchema = z
  .string()
  .regex(/^[a-z0-9]{1,16}$/, '1 to 16 lower-case letters or digits, without the dot');

/**
 * Which files members may send, by the extension of the file name (its last one:
 * "archive.tar.gz" is a "gz" file). allow: only the listed; deny: all but the listed. Enforced
 * by the sending client (packages/client files/file-policy.ts).
 */
export const fileTypeRuleSchema = z.strictObject({
  mode: z.enum(FILE_TYPE_RULE_MODES),
  extensions: z.array(fileExtensionSchema).max(MAX_FILE_TYPE_EXTENSIONS),
});
export type FileTypeRule = z.output<typeof fileTypeRuleSchema>;

/** The rule of an organization that never chose one: every type may be sent. */
export const DEFAULT_FILE_TYPE_RULE: FileTypeRule = { mode: 'deny', extensions: [] };

const fileMegabytesSchema = z.number().int().min(1).max(MAX_POLICY_FILE_MEGABYTES);
const fileQuotaGigabytesSchema = z.number().int().min(1).max(MAX_POLICY_FILE_QUOTA_GIGABYTES);

/*
 * The device policy of the apps' vaults. The bounds lie within what an app's vault accepts
 * (packages/client store/browser/pin-attempt-policy.ts: 1 to 100 failed attempts); the first
 * three failures there cost no wait, so fewer than three would punish a single typo.
 */
export const MIN_VAULT_WIPE_AFTER_FAILURES = 3;
export const MAX_VAULT_WIPE_AFTER_FAILURES = 50;
/** The same as an app vault's own default (DEFAULT_MAX_FAILED_PIN_ATTEMPTS). */
export const DEFAULT_VAULT_WIPE_AFTER_FAILURES = 10;
export const MIN_LOCK_AFTER_MINUTES = 1;
export const MAX_LOCK_AFTER_MINUTES = 60;
/** An organization that never chose lets members choose up to an hour. */
export const DEFAULT_MAX_LOCK_AFTER_MINUTES = MAX_LOCK_AFTER_MINUTES;

const vaultWipeAfterFailuresSchema = z
  .number()
  .int()
  .min(MIN_VAULT_WIPE_AFTER_FAILURES)
  .max(MAX_VAULT_WIPE_AFTER_FAILURES);
const maxLockAfterMinutesSchema = z
  .number()
  .int()
  .min(MIN_LOCK_AFTER_MINUTES)
  .max(MAX_LOCK_AFTER_MINUTES);

/** The policy in force, as every member reads it (GET /api/policy). */
export const organizationPolicySchema = z.object({
  /** Off: clients send no read receipts and show no one else's read markers. Default on. */
  hasReadReceipts: z.boolean(),
  /**
   * The largest file a member may upload, in MiB of ciphertext (a file grows by a few bytes per
   * 64 KiB when encrypted). Effective: the organization's setting capped by the server's
   * AMTSBOTE_MAX_FILE_MB, which it is when the organization never chose.
   */
  maxFileMegabytes: fileMegabytesSchema,
  /** The organization's space for files in GiB, capped by the server's AMTSBOTE_FILE_QUOTA_GB. */
  fileQuotaGigabytes: fileQuotaGigabytesSchema,
  /**
   * Off: clients show files (preview) but do not save them to the device's file system. The
   * server cannot tell a preview from a save; clients enforce it. Default on.
   */
  isFileDownloadAllowed: z.boolean(),
  fileTypes: fileTypeRuleSchema,
  /**
   * The failed PIN or passphrase attempt that reaches this number erases an app's vault (its
   * keys and messages on that device). Default 10. Enforced by the app's vault, which must
   * know it while locked: the web app keeps the last value read on the device and uses it
   * from its next start on.
   */
  vaultWipeAfterFailures: vaultWipeAfterFailuresSchema,
  /**
   * The longest idle time, in minutes, before an app locks itself; members may choose less.
   * Default 60. Enforced by the apps.
   */
  maxLockAfterMinutes: maxLockAfterMinutesSchema,
});
export type OrganizationPolicy = z.infer<typeof organizationPolicySchema>;

/**
 * A change by an administrator (PUT /api/admin/policy, `amtsbote admin set-policy`): only the
 * given fields change, at least one must be given. For the two sizes, null returns to the
 * server's value; a value above the server's is refused (policy_above_server_limit).
 */
export const updatePolicyRequestSchema = z
  .strictObject({
    hasReadReceipts: z.boolean().optional(),
    maxFileMegabytes: fileMegabytesSchema.nullable().optional(),
    fileQuotaGigabytes: fileQuotaGigabytesSchema.nullable().optional(),
    isFileDownloadAllowed: z.boolean().optional(),
    fileTypes: fileTypeRuleSchema.optional(),
    vaultWipeAfterFailures: vaultWipeAfterFailuresSchema.optional(),
    maxLockAfterMinutes: maxLockAfterMinutesSchema.optional(),
  })
  .refine(namesAnySetting, { message: 'name at least one setting to change' });
export type PolicyChange = z.output<typeof updatePolicyRequestSchema>;

/** Whether a change names any setting (an empty change is refused, not taken as no-op). */
export function namesAnySetting(change: Readonly<Record<string, unknown>>): boolean {
  return Object.values(change).some((value) => value !== undefined);
}
