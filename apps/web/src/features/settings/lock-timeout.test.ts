import { describe, expect, it } from 'vitest';
import {
  lockAfterChoices,
  lockAfterMinutesInForce,
  readLockAfterMinutes,
  saveLockAfterMinutes,
} from './lock-timeout.js';
import { memoryStorage } from './memory-storage.js';

describe('lockAfterMinutesInForce', () => {
  it("is the member's choice, but no longer than the organization allows", () => {
    expect(lockAfterMinutesInForce(5, 60)).toBe(5);
    expect(lockAfterMinutesInForce(60, 15)).toBe(15);
    expect(lockAfterMinutesInForce(15, 15)).toBe(15);
    expect(lockAfterMinutesInForce(5, 1)).toBe(1);
  });
});

describe('lockAfterChoices', () => {
  it('offers every usual choice when the organization allows an hour', () => {
    expect(lockAfterChoices(60, 5)).toEqual([1, 5, 15, 60]);
  });

  it('offers only choices up to the limit, the limit itself included', () => {
    expect(lockAfterChoices(15, 5)).toEqual([1, 5, 15]);
    expect(lockAfterChoices(10, 60)).toEqual([1, 5, 10]);
    expect(lockAfterChoices(1, 5)).toEqual([1]);
  });

  it('also offers the time in force when it is no usual choice, so one is always selected', () => {
    expect(lockAfterChoices(60, 10)).toEqual([1, 5, 10, 15, 60]);
    expect(lockAfterChoices(30, 20)).toEqual([1, 5, 15, 20, 30]);
  });
});

describe('readLockAfterMinutes', () => {
  it('gives 5 minutes until the member chose, and any whole minute from 1 to 60 after', () => {
    const storage = memoryStorage();
    expect(readLockAfterMinutes(storage)).toBe(5);
    for (const minutes of [1, 10, 15, 60]) {
      saveLockAfterMinutes(storage, minutes);
      expect(readLockAfterMinutes(storage)).toBe(minutes);
    }
  });

  it('falls back to 5 minutes for a stored value that is not one', () => {
    for (const bad of ['0', '61', '2.5', '', 'eine Stunde']) {
      expect(readLockAfterMinutes(memoryStorage({ 'amtsbote.lockAfterMinutes': bad })), bad).toBe(
        5,
      );
    }
  });
});
