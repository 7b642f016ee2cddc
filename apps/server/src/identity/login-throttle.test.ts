import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { AppError } from '../errors.js';
import {
  DEFAULT_LOGIN_THROTTLE,
  LoginThrottle,
  type LoginThrottleOptions,
} from './login-throttle.js';

const OPTIONS: LoginThrottleOptions = {
  freeAttempts: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  maxKeys: 1_000,
};

function setup(options: Partial<LoginThrottleOptions> = {}): {
  clock: ManualClock;
  throttle: LoginThrottle;
} {
  const clock = new ManualClock();
  return { clock, throttle: new LoginThrottle(clock, { ...OPTIONS, ...options }) };
}

/** The error check() throws, or null when the keys may try now. */
function refusal(throttle: LoginThrottle, keys: readonly string[]): AppError | null {
  try {
    throttle.check(keys);
    return null;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
}

const retryAfter = (throttle: LoginThrottle, keys: readonly string[]): number | null => {
  const error = refusal(throttle, keys);
  return error === null ? null : (error.retryAfterSeconds ?? Number.NaN);
};

function fail(throttle: LoginThrottle, keys: readonly string[], times: number): void {
  for (let i = 0; i < times; i++) throttle.recordFailure(keys);
}

describe('LoginThrottle', () => {
  it('lets keys it has never seen try', () => {
    const { throttle } = setup();
    expect(refusal(throttle, ['user:anna', 'ip:192.0.2.1'])).toBeNull();
  });

  it('allows the free attempts without any delay', () => {
    const { throttle } = setup();
    fail(throttle, ['user:anna'], 3);
    expect(refusal(throttle, ['user:anna'])).toBeNull();
  });

  it('refuses with 429 too_many_requests after the free attempts are used', () => {
    const { throttle } = setup();
    fail(throttle, ['user:anna'], 4);
    const error = refusal(throttle, ['user:anna']);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      status: 429,
      code: 'too_many_requests',
      retryAfterSeconds: 1,
    });
  });

  it('lifts the refusal exactly when the delay has passed', () => {
    const { clock, throttle } = setup();
    fail(throttle, ['user:anna'], 4);
    clock.advance(999);
    expect(retryAfter(throttle, ['user:anna'])).toBe(1);
    clock.advance(1);
    expect(refusal(throttle, ['user:anna'])).toBeNull();
  });

  it('doubles the delay with each further failure', () => {
    const { clock, throttle } = setup();
    fail(throttle, ['user:anna'], 3);
    const delays: (number | null)[] = [];
    for (let i = 0; i < 5; i++) {
      throttle.recordFailure(['user:anna']);
      delays.push(retryAfter(throttle, ['user:anna']));
      clock.advance(60_000);
    }
    expect(delays).toEqual([1, 2, 4, 8, 16]);
  });

  it('caps the delay at maxDelayMs', () => {
    const { throttle } = setup({ maxDelayMs: 5_000 });
    fail(throttle, ['user:anna'], 3 + 20);
    expect(retryAfter(throttle, ['user:anna'])).toBe(5);
  });

  it('caps the delay at the default maximum of 15 minutes', () => {
    const clock = new ManualClock();
    const throttle = new LoginThrottle(clock);
    fail(throttle, ['user:anna'], DEFAULT_LOGIN_THROTTLE.freeAttempts + 100);
    expect(retryAfter(throttle, ['user:anna'])).toBe(15 * 60);
  });

  it('rounds Retry-After up to whole seconds', () => {
    const { clock, throttle } = setup({ baseDelayMs: 1_500 });
    fail(throttle, ['user:anna'], 4);
    expect(retryAfter(throttle, ['user:anna'])).toBe(2);
    clock.advance(600);
    expect(retryAfter(throttle, ['user:anna'])).toBe(1);
  });

  it('refuses when any of the keys is blocked and reports the longest wait', () => {
    const { throttle } = setup();
    fail(throttle, ['ip:192.0.2.1'], 4);
    fail(throttle, ['user:anna'], 6);
    expect(retryAfter(throttle, ['user:bernd', 'ip:192.0.2.1'])).toBe(1);
    expect(retryAfter(throttle, ['user:anna', 'ip:192.0.2.1'])).toBe(4);
    expect(refusal(throttle, ['user:bernd', 'ip:198.51.100.7'])).toBeNull();
  });

  it('clears only the keys passed to recordSuccess', () => {
    const { throttle } = setup();
    fail(throttle, ['user:anna', 'ip:192.0.2.1'], 4);
    throttle.recordSuccess(['user:anna']);
    expect(refusal(throttle, ['user:anna'])).toBeNull();
    expect(retryAfter(throttle, ['ip:192.0.2.1'])).toBe(1);
  });

  it('starts counting afresh after a success', () => {
    const { throttle } = setup();
    fail(throttle, ['user:anna'], 2);
    throttle.recordSuccess(['user:anna']);
    fail(throttle, ['user:anna'], 3);
    expect(refusal(throttle, ['user:anna'])).toBeNull();
  });

  it('forgets the least recently failed key beyond maxKeys', () => {
    const { throttle } = setup({ freeAttempts: 0, maxKeys: 2 });
    throttle.recordFailure(['a']);
    throttle.recordFailure(['b']);
    throttle.recordFailure(['c']);
    expect(refusal(throttle, ['a'])).toBeNull();
    expect(retryAfter(throttle, ['b'])).toBe(1);
    expect(retryAfter(throttle, ['c'])).toBe(1);
  });

  it('keeps a key that failed again recently when it must forget one', () => {
    const { throttle } = setup({ freeAttempts: 0, maxKeys: 2 });
    throttle.recordFailure(['a']);
    throttle.recordFailure(['b']);
    throttle.recordFailure(['a']);
    throttle.recordFailure(['c']);
    expect(refusal(throttle, ['b'])).toBeNull();
    expect(retryAfter(throttle, ['a'])).toBe(2);
    expect(retryAfter(throttle, ['c'])).toBe(1);
  });
});

describe('LoginThrottle forgetting', () => {
  it('forgets failures whose last one is older than forgetAfterMs', () => {
    const clock = new ManualClock();
    const throttle = new LoginThrottle(clock, {
      freeAttempts: 1,
      baseDelayMs: 1_000,
      maxDelayMs: 60_000,
      maxKeys: 10,
      forgetAfterMs: 3_600_000,
    });
    throttle.recordFailure(['k']);
    throttle.recordFailure(['k']);
    expect(() => throttle.check(['k'])).toThrow();
    clock.advance(3_600_000);
    throttle.check(['k']);
    // Counting starts again: one free failure, then the first delay.
    throttle.recordFailure(['k']);
    throttle.check(['k']);
    throttle.recordFailure(['k']);
    expect(() => throttle.check(['k'])).toThrow();
  });

  it('keeps an entry while its block lasts even when the block is longer than forgetAfterMs', () => {
    const clock = new ManualClock();
    const throttle = new LoginThrottle(clock, {
      freeAttempts: 0,
      baseDelayMs: 10_000,
      maxDelayMs: 10_000,
      maxKeys: 10,
      forgetAfterMs: 1_000,
    });
    throttle.recordFailure(['k']);
    clock.advance(5_000);
    expect(() => throttle.check(['k'])).toThrow();
    clock.advance(5_000);
    throttle.check(['k']);
  });
});
