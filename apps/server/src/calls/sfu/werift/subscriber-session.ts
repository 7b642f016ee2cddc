import {
  RTCPeerConnection,
  RtcpPayloadSpecificFeedback,
  type PeerConfig,
  type RtcpPacket,
  type RTCRtpTransceiver,
} from 'werift';
import { SfuError } from '../errors.js';
import { chooseLayer } from '../layer-choice.js';
import type { LayerPreference, ParticipantId, SubscribedTrack } from '../sfu.js';
import { DEFAULT_LAYER_PREFERENCE } from '../sfu.js';
import type { FaultSink } from './fault-reporter.js';
import { Forwarder, type InspectHook } from './forwarder.js';
import type { MediaSource } from './media-source.js';
import { SINGLE_LAYER } from './media-source.js';

const FIR_COUNT = 4;

export interface SubscriberOffer {
  readonly offerSdp: string;
  readonly tracks: readonly SubscribedTrack[];
}

interface Subscription {
  readonly transceiver: RTCRtpTransceiver;
  readonly forwarder: Forwarder;
  readonly unsubscribes: (() => void)[];
}

/**
 * A participant's subscriber connection: the SFU offers one send-only m-line per track of the
 * other participants and renegotiates when tracks come and go, one offer at a time (changes
 * during an open offer wait for its answer).
 */
export class SubscriberSession {
  readonly pc: RTCPeerConnection;
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #preferences = new Map<ParticipantId, LayerPreference>();
  readonly #onOffer: (offer: SubscriberOffer) => void;
  readonly #inspect: InspectHook | null;
  readonly #faults: FaultSink;
  readonly #now: () => number;
  #isAwaitingAnswer = false;
  #isNegotiationNeeded = false;
  #isClosed = false;

  constructor(options: {
    readonly config: Partial<PeerConfig>;
    readonly onOffer: (offer: SubscriberOffer) => void;
    readonly inspect: InspectHook | null;
    readonly faults: FaultSink;
    readonly now: () => number;
  }) {
    this.pc = new RTCPeerConnection(options.config);
    this.#onOffer = options.onOffer;
    this.#inspect = options.inspect;
    this.#faults = options.faults;
    this.#now = options.now;
  }

  /** Offers these sources (one renegotiation for all of them). */
  async addSources(sources: readonly MediaSource[]): Promise<void> {
    const fresh = sources.filter((source) => !this.#subscriptions.has(source.id));
    if (this.#isClosed || fresh.length === 0) return;
    for (const source of fresh) this.#subscribe(source);
    await this.negotiate();
  }

  #subscribe(source: MediaSource): void {
    const transceiver = this.pc.addTransceiver(source.kind, { direction: 'sendonly' });
    const forwarder = new Forwarder(source, transceiver.sender, this.#inspect, this.#faults);
    const { sender } = transceiver;
    const faults = this.#faults;
    const unsubscribes = [
      sender.onPictureLossIndication.subscribe(faults.guard('pli', () => forwarder.onPictureLoss()))
        .unSubscribe,
      sender.onRtcp.subscribe(
        faults.guard('rtcp', (packet: RtcpPacket) => {
          if (
            packet instanceof RtcpPayloadSpecificFeedback &&
            packet.feedback.count === FIR_COUNT
          ) {
            forwarder.onPictureLoss();
          }
        }),
      ).unSubscribe,
      sender.onReady.subscribe(faults.guard('ready', () => forwarder.restart(this.#now())))
        .unSubscribe,
    ];
    this.#subscriptions.set(source.id, { transceiver, forwarder, unsubscribes });
    this.#applyPreference(forwarder, this.#preferences.get(source.publisherId));
    source.sinks.add(forwarder);
  }

  async removeSource(sourceId: string): Promise<void> {
    const subscription = this.#subscriptions.get(sourceId);
    if (subscription === undefined) return;
    this.#subscriptions.delete(sourceId);
    subscription.forwarder.close();
    for (const unsubscribe of subscription.unsubscribes) unsubscribe();
    subscription.transceiver.setDirection('inactive');
    await this.negotiate();
  }

  setPreference(publisherId: ParticipantId, preference: LayerPreference): void {
    this.#preferences.set(publisherId, preference);
    for (const { forwarder } of this.#subscriptions.values()) {
      if (forwarder.source.publisherId === publisherId)
        this.#applyPreference(forwarder, preference);
    }
  }

  /** Forwarders still waiting for a keyframe ask the publisher again (bounded per forwarder). */
  retryKeyframes(nowMs: number): void {
    for (const { forwarder } of this.#subscriptions.values()) forwarder.retryKeyframe(nowMs);
  }

  /** The layer each of a publisher's video forwarders sends now (tests, diagnostics). */
  currentLayers(publisherId: ParticipantId): (string | null)[] {
    return [...this.#subscriptions.values()]
      .filter(({ forwarder }) => forwarder.source.publisherId === publisherId)
      .map(({ forwarder }) => forwarder.currentLayer);
  }

  async applyAnswer(answerSdp: string): Promise<void> {
    if (!this.#isAwaitingAnswer) {
      throw new SfuError('sfu_negotiation_failed', 'no subscriber offer is open');
    }
    try {
      await this.pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
    } catch (error) {
      throw new SfuError('sfu_negotiation_failed', 'subscriber answer refused', { cause: error });
    }
    this.#isAwaitingAnswer = false;
    if (this.#isNegotiationNeeded) await this.negotiate();
  }

  async negotiate(): Promise<void> {
    if (this.#isClosed) return;
    if (this.#isAwaitingAnswer) {
      this.#isNegotiationNeeded = true;
      return;
    }
    this.#isNegotiationNeeded = false;
    this.#isAwaitingAnswer = true;
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    const sdp = this.pc.localDescription?.sdp;
    if (sdp === undefined) throw new SfuError('sfu_internal', 'no local description');
    const tracks: SubscribedTrack[] = [];
    for (const { transceiver, forwarder } of this.#subscriptions.values()) {
      if (transceiver.mid !== null) {
        tracks.push({
          mid: transceiver.mid,
          publisherId: forwarder.source.publisherId,
          kind: forwarder.source.kind,
        });
      }
    }
    this.#onOffer({ offerSdp: sdp, tracks });
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    for (const subscription of this.#subscriptions.values()) {
      subscription.forwarder.close();
      for (const unsubscribe of subscription.unsubscribes) unsubscribe();
    }
    this.#subscriptions.clear();
    await this.pc.close();
  }

  #applyPreference(forwarder: Forwarder, preference: LayerPreference | undefined): void {
    const { source } = forwarder;
    if (source.kind !== 'video') return;
    const chosen = chooseLayer(source.layers, preference ?? DEFAULT_LAYER_PREFERENCE);
    forwarder.setTargetLayer(chosen?.rid ?? source.layerKeys[0] ?? SINGLE_LAYER, this.#now());
  }
}
