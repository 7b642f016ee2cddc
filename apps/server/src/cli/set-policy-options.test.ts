import type { OrganizationPolicy } from '@amtsbote/protocol';
import { describe, expect, it } from 'vitest';
import { describePolicyChange, parseSetPolicyOptions } from './set-policy-options.js';

const POLICY: OrganizationPolicy = {
  hasReadReceipts: true,
  maxFileMegabytes: 4096,
  fileQuotaGigabytes: 100,
  isFileDownloadAllowed: true,
  fileTypes: { mode: 'deny', extensions: [] },
  vaultWipeAfterFailures: 5,
  maxLockAfterMinutes: 15,
};

describe('parseSetPolicyOptions', () => {
  it('turns the given options, and only those, into a change', () => {
    expect(parseSetPolicyOptions({ readReceipts: 'off' })).toEqual({
      isValid: true,
      change: { hasReadReceipts: false },
    });
    expect(
      parseSetPolicyOptions({
        maxFileMb: '100',
        fileQuotaGb: 'default',
        fileDownload: 'on',
        allowFileTypes: ' PDF, .docx ,,odt',
      }),
    ).toEqual({
      isValid: true,
      change: {
        maxFileMegabytes: 100,
        fileQuotaGigabytes: null,
        isFileDownloadAllowed: true,
        fileTypes: { mode: 'allow', extensions: ['pdf', 'docx', 'odt'] },
      },
    });
    expect(
      parseSetPolicyOptions({ vaultWipeAfterFailures: '5', maxLockAfterMinutes: '15' }),
    ).toEqual({
      isValid: true,
      change: { vaultWipeAfterFailures: 5, maxLockAfterMinutes: 15 },
    });
    expect(parseSetPolicyOptions({ denyFileTypes: '' })).toEqual({
      isValid: true,
      change: { fileTypes: { mode: 'deny', extensions: [] } },
    });
    // Nothing given: the command's schema refuses the empty change.
    expect(parseSetPolicyOptions({})).toEqual({ isValid: true, change: {} });
  });

  it('refuses misspelt values', () => {
    for (const options of [
      { readReceipts: 'yes' },
      { fileDownload: '1' },
      { maxFileMb: '1.5' },
      { maxFileMb: '-1' },
      { fileQuotaGb: 'lots' },
      { allowFileTypes: 'pdf', denyFileTypes: 'exe' },
      { vaultWipeAfterFailures: 'ten' },
      { vaultWipeAfterFailures: '5.5' },
      { vaultWipeAfterFailures: 'default' },
      { maxLockAfterMinutes: '-5' },
      { maxLockAfterMinutes: '' },
    ]) {
      expect(parseSetPolicyOptions(options).isValid, JSON.stringify(options)).toBe(false);
    }
  });
});

describe('describePolicyChange', () => {
  it('prints one line per changed setting with the value in force', () => {
    expect(describePolicyChange({ hasReadReceipts: true }, POLICY, 'org')).toBe(
      'read receipts on for org\n',
    );
    expect(
      describePolicyChange({ maxFileMegabytes: null, fileTypes: POLICY.fileTypes }, POLICY, 'org'),
    ).toBe('largest file 4096 MiB for org\nfile types: all for org\n');
    const allowNone = { ...POLICY, fileTypes: { mode: 'allow' as const, extensions: [] } };
    expect(describePolicyChange({ fileTypes: allowNone.fileTypes }, allowNone, 'org')).toBe(
      'file types: none for org\n',
    );
    expect(
      describePolicyChange({ vaultWipeAfterFailures: 5, maxLockAfterMinutes: 15 }, POLICY, 'org'),
    ).toBe(
      'app vaults wiped after 5 failed PINs for org\n' +
        'apps lock after at most 15 idle minutes for org\n',
    );
  });
});
