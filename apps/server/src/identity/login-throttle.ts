import { AppError } from '../errors.js';
import type { Clock } from '../clock.js';

export interface LoginThrottleOptions {
  /** Failures allowed before delays start. */
  readonly freeAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Bound on remembered keys, so a flood of distinct keys cannot exhaust memory. */
  readonly maxKeys: number;
  /** Failures older than this are forgotten: a typo in January does not count in March. */
  readonly forgetAfterMs?: number;
}

const DEFAULT_FORGET_AFTER_MS = 24 * 3600_000;

interface Entry {
  failures: number;
  blockedUntilMs: number;
  lastFailureMs: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = {
  freeAttempts: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  maxKeys: 100_000,
};

/**
 * Growing back-off after failed attempts: after the free attempts each failure doubles the wait.
 * Keyed by account and by client address, so neither guessing one account from many addresses
 * nor many accounts from one address goes fast. Unknown accounts are throttled exactly like
 * known ones, so the throttle does not reveal which exist.
 */
export class LoginThrottle {
  readonly #entries = new Map<string, Entry>();
  readonly #clock: Clock;
  readonly #options: LoginThrottleOptions;

  constructor(clock: Clock, options: LoginThrottleOptions = DEFAULT_LOGIN_THROTTLE) {
    this.#clock = clock;
    this.#options = options;
  }

  /** Throws 429 when any of the keys is in its back-off period. */
  check(keys: readonly string[]): void {
    const now = this.#clock.now().getTime();
    let waitMs = 0;
    for (const key of keys) {
      const entry = this.#current(key, now);
      if (entry !== undefined) waitMs = Math.max(waitMs, entry.blockedUntilMs - now);
    }
    if (waitMs > 0) {
      const retryAfterSeconds = Math.ceil(waitMs / 1000);
      throw new AppError(429, 'too_many_requests', 'too many attempts, try again later', {
        retryAfterSeconds,
      });
    }
  }

  recordFailure(keys: readonly string[]): void {
    const now = this.#clock.now().getTime();
    for (const key of keys) {
      const entry = this.#current(key, now) ?? { failures: 0, blockedUntilMs: 0, lastFailureMs: 0 };
      entry.failures += 1;
      entry.lastFailureMs = now;
      const over = entry.failures - this.#options.freeAttempts;
      if (over > 0) {
        const delay = Math.min(
          this.#options.baseDelayMs * 2 ** (over - 1),
          this.#options.maxDelayMs,
        );
        entry.blockedUntilMs = now + delay;
      }
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    }
    while (this.#entries.size > this.#options.maxKeys) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }

  /** The key's entry, unless its last failure is old enough to be forgotten. */
  #current(key: string, now: number): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    const forgetAfterMs = this.#options.forgetAfterMs ?? DEFAULT_FORGET_AFTER_MS;
    if (
      now - entry.lastFailureMs >=
      Math.max(forgetAfterMs, entry.blockedUntilMs - entry.lastFailureMs)
    ) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  recordSuccess(keys: readonly string[]): void {
    for (const key of keys) this.#entries.delete(key);
  }
}
