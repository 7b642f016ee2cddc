import type { FieldError, OrganizationPolicy, PolicyChange } from '@amtsbote/protocol';
import { AppError } from '../errors.js';
import { policyCeilings, withinCeiling, type PolicyCeilings } from '../files/file-limits.js';
import type { IdentityContext } from './identity-context.js';
import { findPolicy, updatePolicy } from './policy-store.js';

/*
 * Organization policy: administrators (API or operator CLI) change it, every member reads it,
 * clients follow it. Callers have checked who acts for organizationId. Members read the values
 * in force: the file sizes within the server's config, so clients know the real limits; the
 * device settings (vault wipe, longest lock time) as chosen, the protocol bounding them.
 */

export async function describePolicy(
  ctx: IdentityContext,
  organizationId: string,
): Promise<OrganizationPolicy> {
  const stored = await findPolicy(ctx.db, organizationId);
  const ceilings = policyCeilings(ctx.fileLimits);
  return {
    hasReadReceipts: stored.hasReadReceipts,
    maxFileMegabytes: withinCeiling(stored.maxFileMegabytes, ceilings.maxFileMegabytes),
    fileQuotaGigabytes: withinCeiling(stored.fileQuotaGigabytes, ceilings.fileQuotaGigabytes),
    isFileDownloadAllowed: stored.isFileDownloadAllowed,
    fileTypes: stored.fileTypes,
    vaultWipeAfterFailures: stored.vaultWipeAfterFailures,
    maxLockAfterMinutes: stored.maxLockAfterMinutes,
  };
}

/** The sizes a change asks for that the server's config does not allow. */
function aboveServer(change: PolicyChange, ceilings: PolicyCeilings): FieldError[] {
  const fields: FieldError[] = [];
  // null returns to the server's value, which is always within it.
  if ((change.maxFileMegabytes ?? 0) > ceilings.maxFileMegabytes) {
    fields.push({
      path: 'maxFileMegabytes',
      code: 'too_big',
      message: `at most ${ceilings.maxFileMegabytes} (the server's AMTSBOTE_MAX_FILE_MB)`,
    });
  }
  if ((change.fileQuotaGigabytes ?? 0) > ceilings.fileQuotaGigabytes) {
    fields.push({
      path: 'fileQuotaGigabytes',
      code: 'too_big',
      message: `at most ${ceilings.fileQuotaGigabytes} (the server's AMTSBOTE_FILE_QUOTA_GB)`,
    });
  }
  return fields;
}

/** Changes the fields the change names; returns the policy now in force. */
export async function changePolicy(
  ctx: IdentityContext,
  organizationId: string,
  change: PolicyChange,
): Promise<OrganizationPolicy> {
  const fields = aboveServer(change, policyCeilings(ctx.fileLimits));
  if (fields.length > 0) {
    const detail = fields.map((f) => `${f.path} is ${f.message}`).join('; ');
    throw new AppError(400, 'policy_above_server_limit', detail, { fields });
  }
  const fileTypes =
    change.fileTypes === undefined
      ? {}
      : // A rule lists each extension once, in the order given.
        {
          fileTypes: { ...change.fileTypes, extensions: [...new Set(change.fileTypes.extensions)] },
        };
  await updatePolicy(ctx.db, organizationId, { ...change, ...fileTypes }, ctx.clock.now());
  return describePolicy(ctx, organizationId);
}
