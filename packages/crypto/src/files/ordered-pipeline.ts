/**
 * Chunk operations in flight, taken out in the order they were started. Each WebCrypto call
 * waits for a worker thread, so keeping a few in flight is what makes streaming fast (measured
 * in docs/file-encryption.md); taking results in order keeps the output in file order and lets
 * nothing after a failed chunk through. With a depth of 0 (node:crypto, whose calls finish
 * before they return) each result is passed on before `add` returns.
 */

/**
 * Chunks WebCrypto encrypts or decrypts concurrently. Memory stays near twice this many chunks
 * (input copies inside WebCrypto and results) plus the chunk being received.
 */
export const CHUNKS_IN_FLIGHT = 4;

type Settled<T> =
  { readonly isOk: true; readonly value: T } | { readonly isOk: false; readonly error: unknown };

export class OrderedPipeline<T> {
  readonly #depth: number;
  readonly #inFlight: Promise<Settled<T>>[] = [];

  constructor(depth: number) {
    this.#depth = depth;
  }

  /**
   * Starts `task` after making room: while `depth` tasks are in flight, waits for the oldest and
   * passes its result to `emit`, or throws its error. Leaves at most `depth` in flight.
   */
  async add(task: () => Promise<T>, emit: (value: T) => void): Promise<void> {
    await this.drain(emit, Math.max(0, this.#depth - 1));
    // Settled at once, so a task that fails while an older one is awaited is no unhandled rejection.
    this.#inFlight.push(
      task().then(
        (value) => ({ isOk: true, value }),
        (error: unknown) => ({ isOk: false, error }),
      ),
    );
    if (this.#depth === 0) await this.drain(emit);
  }

  /** Waits for results in order until at most `keep` tasks are in flight. */
  async drain(emit: (value: T) => void, keep = 0): Promise<void> {
    while (this.#inFlight.length > keep) {
      const oldest = this.#inFlight.shift();
      if (oldest === undefined) return;
      const settled = await oldest;
      if (!settled.isOk) {
        // Results after a failure are dropped unseen.
        this.#inFlight.length = 0;
        throw settled.error;
      }
      emit(settled.value);
    }
  }
}
