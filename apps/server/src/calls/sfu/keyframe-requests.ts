/**
 * Coalesces keyframe requests (PLI) towards one publisher stream: at most one per interval,
 * however many subscribers ask, since each request makes the publisher send a large frame.
 */
export class KeyframeRequestLimiter {
  readonly #minIntervalMs: number;
  readonly #lastMs = new Map<string, number>();

  constructor(minIntervalMs: number) {
    this.#minIntervalMs = minIntervalMs;
  }

  /** Whether a request for `stream` may go out now; records it if so. */
  tryRequest(stream: string, nowMs: number): boolean {
    const last = this.#lastMs.get(stream);
    if (last !== undefined && nowMs - last < this.#minIntervalMs) return false;
    this.#lastMs.set(stream, nowMs);
    return true;
  }
}
