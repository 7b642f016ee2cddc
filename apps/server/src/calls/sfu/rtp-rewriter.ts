/*
 * Sequence numbers and timestamps of one outgoing stream fed by several incoming ones
 * (simulcast layers): each switch re-bases the offsets so the subscriber sees one continuous
 * stream. Offsets (not counters) keep gaps, so a subscriber's NACK still names the packet the
 * publisher lost, and a retransmission upstream lands at the right place.
 */

const SEQ_MOD = 0x1_0000;
const TS_MOD = 0x1_0000_0000;

export interface RewrittenPosition {
  readonly sequenceNumber: number;
  readonly timestamp: number;
}

export class RtpRewriter {
  readonly #clockRateHz: number;
  #seqOffset = 0;
  #tsOffset = 0;
  #last: { sequenceNumber: number; timestamp: number; atMs: number } | null = null;

  constructor(clockRateHz: number) {
    this.#clockRateHz = clockRateHz;
  }

  /** Continues the outgoing stream with an incoming packet of a new source. */
  switchSource(sequenceNumber: number, timestamp: number, nowMs: number): void {
    const last = this.#last;
    if (last === null) {
      this.#seqOffset = 0;
      this.#tsOffset = 0;
      return;
    }
    const elapsedTicks = Math.max(1, Math.round(((nowMs - last.atMs) * this.#clockRateHz) / 1000));
    this.#seqOffset = mod(last.sequenceNumber + 1 - sequenceNumber, SEQ_MOD);
    this.#tsOffset = mod(last.timestamp + elapsedTicks - timestamp, TS_MOD);
  }

  rewrite(sequenceNumber: number, timestamp: number, nowMs: number): RewrittenPosition {
    const position = {
      sequenceNumber: mod(sequenceNumber + this.#seqOffset, SEQ_MOD),
      timestamp: mod(timestamp + this.#tsOffset, TS_MOD),
    };
    const last = this.#last;
    // Only the newest packet moves the reference on; a retransmitted older one does not.
    if (last === null || isNewer(position.sequenceNumber, last.sequenceNumber)) {
      this.#last = { ...position, atMs: nowMs };
    }
    return position;
  }
}

const mod = (value: number, modulus: number): number => ((value % modulus) + modulus) % modulus;

function isNewer(sequenceNumber: number, reference: number): boolean {
  const distance = mod(sequenceNumber - reference, SEQ_MOD);
  return distance !== 0 && distance < SEQ_MOD / 2;
}
