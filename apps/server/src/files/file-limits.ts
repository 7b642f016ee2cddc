import type { Kysely } from 'kysely';
import { findPolicy, type StoredPolicy } from '../identity/policy-store.js';
import type { Database } from '../storage/schema.js';
import type { FileLimits } from './file-service.js';

/*
 * The file limits in force for an organization: its policy's choice (migration 0012) capped by
 * the server's config, or the server's own where it never chose. The policy counts in whole
 * MiB and GiB, as the config does.
 */

export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;

/** The server's limits in the policy's units: the most an organization may choose. */
export interface PolicyCeilings {
  readonly maxFileMegabytes: number;
  readonly fileQuotaGigabytes: number;
}

export function policyCeilings(server: FileLimits): PolicyCeilings {
  return {
    maxFileMegabytes: Math.floor(server.maxFileBytes / MIB),
    fileQuotaGigabytes: Math.floor(server.quotaBytes / GIB),
  };
}

/** A chosen value within the ceiling; the ceiling itself when nothing was chosen. */
export function withinCeiling(chosen: number | null, ceiling: number): number {
  return chosen === null ? ceiling : Math.min(chosen, ceiling);
}

export function effectiveFileLimits(
  policy: Pick<StoredPolicy, 'maxFileMegabytes' | 'fileQuotaGigabytes'>,
  server: FileLimits,
): FileLimits {
  return {
    maxFileBytes:
      policy.maxFileMegabytes === null
        ? server.maxFileBytes
        : Math.min(policy.maxFileMegabytes * MIB, server.maxFileBytes),
    quotaBytes:
      policy.fileQuotaGigabytes === null
        ? server.quotaBytes
        : Math.min(policy.fileQuotaGigabytes * GIB, server.quotaBytes),
  };
}

/** The limits an upload of the organization's members must keep. */
export async function organizationFileLimits(
  db: Kysely<Database>,
  server: FileLimits,
  organizationId: string,
): Promise<FileLimits> {
  return effectiveFileLimits(await findPolicy(db, organizationId), server);
}
