import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_LOCK_AFTER_MINUTES,
  DEFAULT_VAULT_WIPE_AFTER_FAILURES,
  organizationPolicySchema,
  updatePolicyRequestSchema,
  type OrganizationPolicy,
} from './policy.js';

const POLICY: OrganizationPolicy = {
  hasReadReceipts: true,
  maxFileMegabytes: 4096,
  fileQuotaGigabytes: 100,
  isFileDownloadAllowed: true,
  fileTypes: { mode: 'deny', extensions: [] },
  vaultWipeAfterFailures: DEFAULT_VAULT_WIPE_AFTER_FAILURES,
  maxLockAfterMinutes: DEFAULT_MAX_LOCK_AFTER_MINUTES,
};

describe('organization policy schemas', () => {
  it('has defaults of 10 failed attempts and an hour, within their own bounds', () => {
    expect(DEFAULT_VAULT_WIPE_AFTER_FAILURES).toBe(10);
    expect(DEFAULT_MAX_LOCK_AFTER_MINUTES).toBe(60);
    expect(organizationPolicySchema.parse(POLICY)).toEqual(POLICY);
  });

  it('takes the device settings from their least to their most', () => {
    for (const change of [
      { vaultWipeAfterFailures: 3 },
      { vaultWipeAfterFailures: 50 },
      { maxLockAfterMinutes: 1 },
      { maxLockAfterMinutes: 60 },
    ]) {
      expect(updatePolicyRequestSchema.parse(change)).toEqual(change);
      expect(organizationPolicySchema.parse({ ...POLICY, ...change })).toEqual({
        ...POLICY,
        ...change,
      });
    }
  });

  it('refuses device settings out of range, fractional, null or not numbers, naming the field', () => {
    for (const change of [
      { vaultWipeAfterFailures: 2 },
      { vaultWipeAfterFailures: 51 },
      { vaultWipeAfterFailures: 9.5 },
      { vaultWipeAfterFailures: '10' },
      { vaultWipeAfterFailures: null },
      { maxLockAfterMinutes: 0 },
      { maxLockAfterMinutes: 61 },
      { maxLockAfterMinutes: 1.5 },
      { maxLockAfterMinutes: null },
    ]) {
      const result = updatePolicyRequestSchema.safeParse(change);
      expect(result.success, JSON.stringify(change)).toBe(false);
      expect(result.error?.issues.map((issue) => issue.path)).toEqual([Object.keys(change)]);
    }
  });

  it('requires the device settings in the policy in force', () => {
    const { vaultWipeAfterFailures, maxLockAfterMinutes, ...withoutBoth } = POLICY;
    expect(
      organizationPolicySchema.safeParse({ ...withoutBoth, maxLockAfterMinutes }).success,
    ).toBe(false);
    expect(
      organizationPolicySchema.safeParse({ ...withoutBoth, vaultWipeAfterFailures }).success,
    ).toBe(false);
  });
});
