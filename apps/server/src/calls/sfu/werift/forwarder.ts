import { RtpHeader, RtpPacket, type RTCRtpSender } from 'werift';
import { RtpRewriter } from '../rtp-rewriter.js';
import type { MediaKind, ParticipantId } from '../sfu.js';
import type { FaultSink } from './fault-reporter.js';
import type { MediaSource, PacketSink } from './media-source.js';

export type InspectHook = (publisherId: ParticipantId, kind: MediaKind, payload: Buffer) => void;

const CLOCK_RATE_HZ = { audio: 48_000, video: 90_000 } as const;
/**
 * A subscriber still waiting for a keyframe asks again after this long, then at most every
 * KEYFRAME_RETRY_MAX_MS: a PLI can be lost, or swallowed by the per-layer limit because another
 * subscriber asked just before, and browsers send keyframes only when asked.
 */
export const KEYFRAME_RETRY_FIRST_MS = 500;
export const KEYFRAME_RETRY_MAX_MS = 1000;

/**
 * Forwards one source to one subscriber's sender: the payload untouched, a fresh header with
 * rewritten sequence number and timestamp (werift's sender sets SSRC, payload type and the
 * subscriber connection's own header extensions, and answers NACKs from its history).
 * For video it forwards one layer at a time and changes layers only at a keyframe of the new
 * layer, asking the publisher for one, and again while it waits; it starts only once the
 * subscriber's transport is up (werift drops what is sent before), so the first keyframe is
 * not wasted. Audio has a single layer.
 */
export class Forwarder implements PacketSink {
  readonly source: MediaSource;
  readonly #sender: RTCRtpSender;
  readonly #rewriter: RtpRewriter;
  readonly #inspect: InspectHook | null;
  readonly #faults: FaultSink;
  #targetLayer: string;
  #currentLayer: string | null = null;
  #isClosed = false;
  /** When this forwarder last asked for a keyframe while waiting; null: not asked yet. */
  #requestedAtMs: number | null = null;
  #retryMs = KEYFRAME_RETRY_FIRST_MS;

  constructor(
    source: MediaSource,
    sender: RTCRtpSender,
    inspect: InspectHook | null,
    faults: FaultSink,
  ) {
    this.source = source;
    this.#sender = sender;
    this.#inspect = inspect;
    this.#faults = faults;
    this.#rewriter = new RtpRewriter(CLOCK_RATE_HZ[source.kind]);
    this.#targetLayer = source.layerKeys[0] ?? '';
    if (source.kind === 'audio') this.#currentLayer = this.#targetLayer;
  }

  get currentLayer(): string | null {
    return this.#currentLayer;
  }

  get targetLayer(): string {
    return this.#targetLayer;
  }

  /** Video that waits for a keyframe: to start, or to switch to the target layer. */
  get isWaitingForKeyframe(): boolean {
    return this.source.kind === 'video' && this.#currentLayer !== this.#targetLayer;
  }

  /** Switches to `layerKey` at its next keyframe (requested now). */
  setTargetLayer(layerKey: string, nowMs: number): void {
    if (!this.source.layerKeys.includes(layerKey)) return;
    if (layerKey === this.#targetLayer && this.#currentLayer !== null) return;
    this.#targetLayer = layerKey;
    this.#requestedAtMs = null;
    this.#retryMs = KEYFRAME_RETRY_FIRST_MS;
    if (layerKey !== this.#currentLayer && this.#isSenderReady()) this.#askForKeyframe(nowMs);
  }

  /** The subscriber's transport (re)connected: start again at a keyframe. */
  restart(nowMs: number): void {
    if (this.source.kind === 'audio') return;
    this.#currentLayer = null;
    this.#retryMs = KEYFRAME_RETRY_FIRST_MS;
    this.#askForKeyframe(nowMs);
  }

  /** The subscriber lost a picture (PLI or FIR): ask the publisher's current layer for one. */
  onPictureLoss(): void {
    this.source.requestKeyframe(this.#currentLayer ?? this.#targetLayer);
  }

  /**
   * Called on the room's tick: while waiting for a keyframe with the transport up, asks again
   * KEYFRAME_RETRY_FIRST_MS after the last request, then every KEYFRAME_RETRY_MAX_MS. The
   * source's limiter still lets at most one request per layer and interval reach the publisher.
   * A layer the publisher does not send (any more) is asked for once a second until the
   * subscriber's preference changes.
   */
  retryKeyframe(nowMs: number): void {
    if (this.#isClosed || !this.isWaitingForKeyframe || !this.#isSenderReady()) return;
    if (this.source.isMuted) return; // nothing is forwarded; unmuting brings the next request
    if (this.#requestedAtMs === null) {
      this.#askForKeyframe(nowMs);
      return;
    }
    if (nowMs - this.#requestedAtMs < this.#retryMs) return;
    this.#retryMs = Math.min(2 * this.#retryMs, KEYFRAME_RETRY_MAX_MS);
    this.#askForKeyframe(nowMs);
  }

  onPacket(layerKey: string, packet: RtpPacket, isKeyframeStart: boolean, nowMs: number): void {
    if (this.#isClosed) return;
    try {
      this.#forward(layerKey, packet, isKeyframeStart, nowMs);
    } catch (error) {
      this.#faults.report('forward_rtp', error);
    }
  }

  close(): void {
    this.#isClosed = true;
    this.source.sinks.delete(this);
  }

  #forward(layerKey: string, packet: RtpPacket, isKeyframeStart: boolean, nowMs: number): void {
    const { header } = packet;
    if (layerKey !== this.#currentLayer) {
      if (layerKey !== this.#targetLayer || !isKeyframeStart) return;
      // A keyframe sent before the transport is up is dropped by werift: wait for the next.
      if (this.source.kind === 'video' && !this.#isSenderReady()) return;
      this.#currentLayer = layerKey;
      this.#requestedAtMs = null;
      this.#retryMs = KEYFRAME_RETRY_FIRST_MS;
      this.#rewriter.switchSource(header.sequenceNumber, header.timestamp, nowMs);
    }
    const position = this.#rewriter.rewrite(header.sequenceNumber, header.timestamp, nowMs);
    const outgoing = new RtpPacket(
      new RtpHeader({
        payloadType: header.payloadType,
        sequenceNumber: position.sequenceNumber,
        timestamp: position.timestamp,
        marker: header.marker,
        ssrc: header.ssrc,
        extensions: [],
      }),
      packet.payload,
    );
    this.#inspect?.(this.source.publisherId, this.source.kind, packet.payload);
    this.#sender.sendRtp(outgoing).catch((error: unknown) => {
      this.#faults.report('send_rtp', error);
    });
  }

  #askForKeyframe(nowMs: number): void {
    this.#requestedAtMs = nowMs;
    this.source.requestKeyframe(this.#targetLayer);
  }

  #isSenderReady(): boolean {
    return this.#sender.dtlsTransport.state === 'connected';
  }
}
