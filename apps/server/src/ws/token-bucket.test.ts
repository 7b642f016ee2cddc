import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('allows a burst of its capacity, then refills at its rate', () => {
    let nowMs = 1_000;
    const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 2, nowMs: () => nowMs });
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    nowMs += 499;
    expect(bucket.tryTake()).toBe(false);
    nowMs += 1;
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
  });

  it('never holds more than its capacity, however long it rested', () => {
    let nowMs = 0;
    const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 10, nowMs: () => nowMs });
    nowMs += 60_000;
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, false]);
  });

  it('refills nothing when the clock goes backwards', () => {
    let nowMs = 10_000;
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 1, nowMs: () => nowMs });
    expect(bucket.tryTake()).toBe(true);
    nowMs -= 5_000;
    expect(bucket.tryTake()).toBe(false);
    nowMs += 1_000;
    expect(bucket.tryTake()).toBe(true);
  });
});
