import {
  DEFAULT_MAX_FAILED_PIN_ATTEMPTS,
  MAX_FAILED_PIN_ATTEMPTS_LIMIT,
} from '@amtsbote/client/browser';
import { MAX_VAULT_WIPE_AFTER_FAILURES, MIN_VAULT_WIPE_AFTER_FAILURES } from '@amtsbote/protocol';
import { describe, expect, it } from 'vitest';
import { readDevicePolicy, saveDevicePolicy } from './device-policy.js';
import { memoryStorage } from './memory-storage.js';

const WIPE_KEY = 'amtsbote.vaultWipeAfterFailures';
const MAX_LOCK_KEY = 'amtsbote.maxLockAfterMinutes';
const DEFAULTS = { vaultWipeAfterFailures: 10, maxLockAfterMinutes: 60 };

describe('readDevicePolicy', () => {
  it('gives the defaults (10 failed PINs, an hour) on a device that never read the policy', () => {
    expect(readDevicePolicy(memoryStorage())).toEqual(DEFAULTS);
  });

  it('gives back what saveDevicePolicy kept, under the keys the app reads at start', () => {
    const storage = memoryStorage();
    saveDevicePolicy(storage, { vaultWipeAfterFailures: 5, maxLockAfterMinutes: 15 });
    expect(storage.getItem(WIPE_KEY)).toBe('5');
    expect(storage.getItem(MAX_LOCK_KEY)).toBe('15');
    expect(readDevicePolicy(storage)).toEqual({
      vaultWipeAfterFailures: 5,
      maxLockAfterMinutes: 15,
    });
  });

  it('takes the bounds themselves', () => {
    expect(readDevicePolicy(memoryStorage({ [WIPE_KEY]: '3', [MAX_LOCK_KEY]: '1' }))).toEqual({
      vaultWipeAfterFailures: 3,
      maxLockAfterMinutes: 1,
    });
    expect(readDevicePolicy(memoryStorage({ [WIPE_KEY]: '50', [MAX_LOCK_KEY]: '60' }))).toEqual({
      vaultWipeAfterFailures: 50,
      maxLockAfterMinutes: 60,
    });
  });

  it('falls back to the default for each value that is invalid, keeping the other', () => {
    for (const bad of [
      '',
      '2',
      '51',
      '0',
      '-5',
      '9.5',
      '1e1',
      ' 7',
      '7 ',
      'zehn',
      '0x0a',
      '10abc',
    ]) {
      expect(
        readDevicePolicy(memoryStorage({ [WIPE_KEY]: bad, [MAX_LOCK_KEY]: '15' })),
        bad,
      ).toEqual({ vaultWipeAfterFailures: 10, maxLockAfterMinutes: 15 });
    }
    for (const bad of ['', '0', '61', '1.5', 'NaN', 'Infinity']) {
      expect(
        readDevicePolicy(memoryStorage({ [WIPE_KEY]: '5', [MAX_LOCK_KEY]: bad })),
        bad,
      ).toEqual({
        vaultWipeAfterFailures: 5,
        maxLockAfterMinutes: 60,
      });
    }
  });

  it("stays within what the app's vault accepts", () => {
    expect(MIN_VAULT_WIPE_AFTER_FAILURES).toBeGreaterThanOrEqual(1);
    expect(MAX_VAULT_WIPE_AFTER_FAILURES).toBeLessThanOrEqual(MAX_FAILED_PIN_ATTEMPTS_LIMIT);
    expect(readDevicePolicy(memoryStorage()).vaultWipeAfterFailures).toBe(
      DEFAULT_MAX_FAILED_PIN_ATTEMPTS,
    );
  });
});
