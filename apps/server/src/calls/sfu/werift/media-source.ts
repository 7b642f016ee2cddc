import type { Extensions, MediaStreamTrack, RTCRtpTransceiver, RtpPacket } from 'werift';
import { RTP_EXTENSION_URI } from 'werift';
import type { KeyframeRequestLimiter } from '../keyframe-requests.js';
import type { MediaKind, ParticipantId, SimulcastLayer } from '../sfu.js';
import type { FaultSink } from './fault-reporter.js';
import { isVp8KeyframeStart } from './vp8-keyframe.js';

/** A forwarder fed by a source: one per subscriber of the source. */
export interface PacketSink {
  onPacket(layerKey: string, packet: RtpPacket, isKeyframeStart: boolean, nowMs: number): void;
}

/** The key of the one layer of a track without simulcast. */
export const SINGLE_LAYER = 'single';

interface Layer {
  readonly key: string;
  readonly track: MediaStreamTrack;
  ssrc: number | null;
}

/**
 * One track a publisher sends (audio, or video with its simulcast layers), fanned out to the
 * sinks of its subscribers. Keyframe requests go upstream through the publisher connection's
 * receiver, coalesced per layer.
 */
export class MediaSource {
  readonly id: string;
  readonly publisherId: ParticipantId;
  readonly kind: MediaKind;
  /** The layers with the sizes the publisher declared (only those it declared). */
  readonly layers: readonly SimulcastLayer[];
  readonly sinks = new Set<PacketSink>();
  isMuted = false;
  readonly #transceiver: RTCRtpTransceiver;
  readonly #layers: Layer[];
  readonly #limiter: KeyframeRequestLimiter;
  readonly #now: () => number;
  readonly #unsubscribes: (() => void)[] = [];

  constructor(options: {
    readonly id: string;
    readonly publisherId: ParticipantId;
    readonly transceiver: RTCRtpTransceiver;
    readonly declaredLayers: readonly SimulcastLayer[];
    readonly limiter: KeyframeRequestLimiter;
    readonly faults: FaultSink;
    readonly now: () => number;
    readonly onAudioLevel: (level: number) => void;
  }) {
    this.id = options.id;
    this.publisherId = options.publisherId;
    this.#transceiver = options.transceiver;
    this.kind = options.transceiver.kind === 'audio' ? 'audio' : 'video';
    this.#limiter = options.limiter;
    this.#now = options.now;
    const tracks = options.transceiver.receiver.tracks;
    const ridTracks = tracks.filter((track) => track.rid !== undefined);
    this.#layers =
      ridTracks.length > 0
        ? ridTracks.map((track) => ({ key: track.rid ?? SINGLE_LAYER, track, ssrc: null }))
        : tracks
            .slice(0, 1)
            .map((track) => ({ key: SINGLE_LAYER, track, ssrc: track.ssrc ?? null }));
    this.layers = options.declaredLayers.filter((layer) =>
      this.#layers.some((known) => known.key === layer.rid),
    );
    for (const layer of this.#layers) {
      const { unSubscribe } = layer.track.onReceiveRtp.subscribe(
        options.faults.guard('receive_rtp', (packet: RtpPacket, extensions?: Extensions) => {
          layer.ssrc = packet.header.ssrc;
          if (this.kind === 'audio') this.#readAudioLevel(extensions, options.onAudioLevel);
          this.#deliver(layer.key, packet);
        }),
      );
      this.#unsubscribes.push(unSubscribe);
    }
  }

  get layerKeys(): readonly string[] {
    return this.#layers.map((layer) => layer.key);
  }

  get mid(): string | null {
    return this.#transceiver.mid;
  }

  /** Asks the publisher for a keyframe of `layerKey`, at most once per limiter interval. */
  requestKeyframe(layerKey: string): void {
    const layer = this.#layers.find((candidate) => candidate.key === layerKey);
    if (layer?.ssrc === null || layer === undefined) return;
    if (!this.#limiter.tryRequest(`${this.id}/${layerKey}`, this.#now())) return;
    this.#transceiver.receiver.sendRtcpPLI(layer.ssrc).catch(() => undefined);
  }

  close(): void {
    for (const unsubscribe of this.#unsubscribes) unsubscribe();
    this.sinks.clear();
  }

  #deliver(layerKey: string, packet: RtpPacket): void {
    if (this.isMuted || this.sinks.size === 0) return;
    const isKeyframeStart = this.kind === 'video' && isVp8KeyframeStart(packet.payload);
    const nowMs = this.#now();
    for (const sink of this.sinks) sink.onPacket(layerKey, packet, isKeyframeStart, nowMs);
  }

  #readAudioLevel(extensions: Extensions | undefined, onAudioLevel: (level: number) => void): void {
    const value: unknown = extensions?.[RTP_EXTENSION_URI.audioLevelIndication];
    if (typeof value === 'object' && value !== null && 'level' in value) {
      const { level } = value;
      if (typeof level === 'number') onAudioLevel(level);
    }
  }
}
