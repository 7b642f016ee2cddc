import { describe, expect, it } from 'vitest';
import {
  PIN_ATTEMPTS_WITHOUT_DELAY,
  PIN_MAX_DELAY_MS,
  pinRetryDelayMs,
} from './pin-attempt-policy.js';

describe('pinRetryDelayMs', () => {
  it('costs no wait for the first failures', () => {
    for (let failures = 0; failures <= PIN_ATTEMPTS_WITHOUT_DELAY; failures++) {
      expect(pinRetryDelayMs(failures)).toBe(0);
    }
  });

  it('doubles the wait with every further failure, from 2 seconds', () => {
    expect([4, 5, 6, 7, 8, 9].map(pinRetryDelayMs)).toEqual([
      2_000, 4_000, 8_000, 16_000, 32_000, 64_000,
    ]);
  });

  it('never waits longer than the cap, however many failures', () => {
    expect(pinRetryDelayMs(12)).toBe(PIN_MAX_DELAY_MS);
    expect(pinRetryDelayMs(2_000)).toBe(PIN_MAX_DELAY_MS);
  });
});
