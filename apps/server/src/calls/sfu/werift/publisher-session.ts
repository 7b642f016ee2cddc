import { RTCPeerConnection, type PeerConfig } from 'werift';
import { SfuError } from '../errors.js';
import type { KeyframeRequestLimiter } from '../keyframe-requests.js';
import type { ParticipantId, SimulcastLayer } from '../sfu.js';
import type { FaultSink } from './fault-reporter.js';
import { MediaSource } from './media-source.js';

/**
 * A participant's publisher connection: the client offers its tracks (video with simulcast
 * rids, audio with the audio-level extension), the SFU answers receive-only. Each received
 * transceiver becomes a MediaSource; a later offer may add tracks or stop some.
 */
export class PublisherSession {
  readonly pc: RTCPeerConnection;
  readonly #participantId: ParticipantId;
  readonly #sources = new Map<string, MediaSource>();
  readonly #limiter: KeyframeRequestLimiter;
  readonly #faults: FaultSink;
  readonly #now: () => number;
  readonly #onAudioLevel: (level: number) => void;

  constructor(options: {
    readonly config: Partial<PeerConfig>;
    readonly participantId: ParticipantId;
    readonly limiter: KeyframeRequestLimiter;
    readonly faults: FaultSink;
    readonly now: () => number;
    readonly onAudioLevel: (level: number) => void;
  }) {
    this.pc = new RTCPeerConnection(options.config);
    this.#participantId = options.participantId;
    this.#limiter = options.limiter;
    this.#faults = options.faults;
    this.#now = options.now;
    this.#onAudioLevel = options.onAudioLevel;
  }

  get sources(): readonly MediaSource[] {
    return [...this.#sources.values()];
  }

  /** Applies the offer; returns the answer and the sources it added and removed. */
  async answer(
    offerSdp: string,
    layers: readonly SimulcastLayer[],
  ): Promise<{ answerSdp: string; added: MediaSource[]; removed: MediaSource[] }> {
    try {
      await this.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
      await this.pc.setLocalDescription(await this.pc.createAnswer());
    } catch (error) {
      throw new SfuError('sfu_negotiation_failed', 'publisher offer refused', { cause: error });
    }
    const answerSdp = this.pc.localDescription?.sdp;
    if (answerSdp === undefined) throw new SfuError('sfu_internal', 'no local description');
    const added: MediaSource[] = [];
    const removed: MediaSource[] = [];
    for (const transceiver of this.pc.getTransceivers()) {
      const isReceiving = ['recvonly', 'sendrecv'].includes(transceiver.currentDirection ?? '');
      const existing = this.#sources.get(transceiver.id);
      if (isReceiving && existing === undefined && transceiver.receiver.tracks.length > 0) {
        const source = new MediaSource({
          id: `${this.#participantId}/${transceiver.id}`,
          publisherId: this.#participantId,
          transceiver,
          declaredLayers: layers,
          limiter: this.#limiter,
          faults: this.#faults,
          now: this.#now,
          onAudioLevel: this.#onAudioLevel,
        });
        this.#sources.set(transceiver.id, source);
        added.push(source);
      } else if (!isReceiving && existing !== undefined) {
        this.#sources.delete(transceiver.id);
        existing.close();
        removed.push(existing);
      }
    }
    return { answerSdp, added, removed };
  }

  async close(): Promise<void> {
    for (const source of this.#sources.values()) source.close();
    this.#sources.clear();
    await this.pc.close();
  }
}
