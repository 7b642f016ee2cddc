/*
 * Active-speaker detection from RFC 6464 audio levels (0 = loudest, 127 = silence, in -dBov).
 * Each participant's loudness is smoothed (exponential average per packet); the speaker
 * changes only when someone else is louder by a margin for a while (hysteresis), so that a
 * cough or a short overlap does not flip the view.
 */

export interface ActiveSpeakerOptions {
  /** Weight of a new sample in the average (0..1). */
  readonly smoothing: number;
  /** Loudness (127 - level) under which a participant counts as silent. */
  readonly silenceThreshold: number;
  /** How much louder a challenger must be than the current speaker. */
  readonly margin: number;
  /** How long a challenger must stay ahead before the speaker changes. */
  readonly holdMs: number;
  /** A participant whose last level is older than this is silent. */
  readonly staleMs: number;
}

export const DEFAULT_ACTIVE_SPEAKER_OPTIONS: ActiveSpeakerOptions = {
  smoothing: 0.1,
  silenceThreshold: 40,
  margin: 6,
  holdMs: 400,
  staleMs: 1000,
};

interface Loudness {
  average: number;
  lastMs: number;
}

export class ActiveSpeakerDetector<Id extends string> {
  readonly #options: ActiveSpeakerOptions;
  readonly #loudness = new Map<Id, Loudness>();
  #speaker: Id | null = null;
  #challenger: { id: Id; sinceMs: number } | null = null;

  constructor(options: ActiveSpeakerOptions = DEFAULT_ACTIVE_SPEAKER_OPTIONS) {
    this.#options = options;
  }

  get speaker(): Id | null {
    return this.#speaker;
  }

  /** One audio packet's level (0..127) of `id`. */
  addLevel(id: Id, level: number, nowMs: number): void {
    const loudness = 127 - Math.min(127, Math.max(0, level));
    const entry = this.#loudness.get(id);
    if (entry === undefined) {
      this.#loudness.set(id, { average: loudness, lastMs: nowMs });
      return;
    }
    entry.average += this.#options.smoothing * (loudness - entry.average);
    entry.lastMs = nowMs;
  }

  remove(id: Id): void {
    this.#loudness.delete(id);
    if (this.#challenger?.id === id) this.#challenger = null;
  }

  /** Re-evaluates; returns the new speaker when it changed, else undefined. */
  evaluate(nowMs: number): Id | null | undefined {
    const current = this.#current(this.#speaker, nowMs);
    let loudest: { id: Id; average: number } | null = null;
    for (const id of this.#loudness.keys()) {
      const average = this.#current(id, nowMs);
      if (
        average >= this.#options.silenceThreshold &&
        (loudest === null || average > loudest.average)
      ) {
        loudest = { id, average };
      }
    }
    if (this.#speaker !== null && current < this.#options.silenceThreshold && loudest === null) {
      return this.#change(null);
    }
    if (loudest === null || loudest.id === this.#speaker) {
      this.#challenger = null;
      return undefined;
    }
    if (this.#speaker !== null && loudest.average < current + this.#options.margin) {
      this.#challenger = null;
      return undefined;
    }
    if (this.#challenger?.id !== loudest.id) {
      this.#challenger = { id: loudest.id, sinceMs: nowMs };
    }
    if (this.#speaker === null || nowMs - this.#challenger.sinceMs >= this.#options.holdMs) {
      return this.#change(loudest.id);
    }
    return undefined;
  }

  #current(id: Id | null, nowMs: number): number {
    if (id === null) return 0;
    const entry = this.#loudness.get(id);
    if (entry === undefined || nowMs - entry.lastMs > this.#options.staleMs) return 0;
    return entry.average;
  }

  #change(id: Id | null): Id | null {
    this.#speaker = id;
    this.#challenger = null;
    return id;
  }
}
