/**
 * A token bucket: up to `capacity` actions at once, refilled continuously at `refillPerSecond`.
 * Time comes from the caller's clock so that tests can move it.
 */
export class TokenBucket {
  readonly #capacity: number;
  readonly #refillPerMs: number;
  readonly #nowMs: () => number;
  #tokens: number;
  #updatedAtMs: number;

  constructor(options: { capacity: number; refillPerSecond: number; nowMs: () => number }) {
    this.#capacity = options.capacity;
    this.#refillPerMs = options.refillPerSecond / 1000;
    this.#nowMs = options.nowMs;
    this.#tokens = options.capacity;
    this.#updatedAtMs = options.nowMs();
  }

  /** Takes one token; false when none is left (the action should not happen). */
  tryTake(): boolean {
    const nowMs = this.#nowMs();
    // A clock that went backwards refills nothing rather than draining the bucket.
    const elapsedMs = Math.max(0, nowMs - this.#updatedAtMs);
    this.#tokens = Math.min(this.#capacity, this.#tokens + elapsedMs * this.#refillPerMs);
    this.#updatedAtMs = nowMs;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
