import type { PeerConfig } from 'werift';
import { ActiveSpeakerDetector } from '../active-speaker.js';
import { SfuError } from '../errors.js';
import type { WorkerEvent } from '../ipc.js';
import { KeyframeRequestLimiter } from '../keyframe-requests.js';
import type {
  ConnectionRole,
  ConnectionState,
  LayerPreference,
  MediaKind,
  ParticipantId,
  RoomId,
  SimulcastLayer,
} from '../sfu.js';
import type { FaultReporter, FaultSink } from './fault-reporter.js';
import type { PayloadInspector } from './payload-inspector.js';
import { PublisherSession } from './publisher-session.js';
import { SubscriberSession } from './subscriber-session.js';

/** The room's clock: the active speaker is evaluated and waiting subscribers ask again. */
const TICK_MS = 200;
const KEYFRAME_REQUEST_INTERVAL_MS = 300;

interface Participant {
  readonly publisher: PublisherSession;
  readonly subscriber: SubscriberSession;
  readonly muted: Set<MediaKind>;
}

/** One call on one worker: its participants, the forwarding between them, the active speaker. */
export class Room {
  readonly id: RoomId;
  readonly #participants = new Map<ParticipantId, Participant>();
  readonly #config: Partial<PeerConfig>;
  readonly #emit: (event: WorkerEvent) => void;
  readonly #inspector: PayloadInspector | null;
  readonly #faults: FaultReporter;
  readonly #now: () => number;
  readonly #speaker = new ActiveSpeakerDetector<ParticipantId>();
  readonly #limiter = new KeyframeRequestLimiter(KEYFRAME_REQUEST_INTERVAL_MS);
  readonly #timer: NodeJS.Timeout;

  constructor(options: {
    readonly id: RoomId;
    readonly config: Partial<PeerConfig>;
    readonly emit: (event: WorkerEvent) => void;
    readonly inspector: PayloadInspector | null;
    readonly faults: FaultReporter;
    readonly now: () => number;
  }) {
    this.id = options.id;
    this.#config = options.config;
    this.#emit = options.emit;
    this.#inspector = options.inspector;
    this.#faults = options.faults;
    this.#now = options.now;
    const roomFaults = this.#faults.scoped({ roomId: this.id, participantId: null, role: null });
    this.#timer = setInterval(
      roomFaults.guard('tick', () => this.#tick()),
      TICK_MS,
    );
  }

  join(participantId: ParticipantId): Promise<void> {
    if (this.#participants.has(participantId)) {
      throw new SfuError('sfu_participant_exists', 'participant already joined');
    }
    const inspector = this.#inspector;
    const faultsOf = (role: ConnectionRole): FaultSink =>
      this.#faults.scoped({ roomId: this.id, participantId, role });
    const publisherFaults = faultsOf('publisher');
    const subscriberFaults = faultsOf('subscriber');
    const publisher = new PublisherSession({
      config: this.#config,
      participantId,
      limiter: this.#limiter,
      faults: publisherFaults,
      now: this.#now,
      onAudioLevel: (level) => {
        if (!this.#participants.get(participantId)?.muted.has('audio')) {
          this.#speaker.addLevel(participantId, level, this.#now());
        }
      },
    });
    const subscriber = new SubscriberSession({
      config: this.#config,
      faults: subscriberFaults,
      now: this.#now,
      onOffer: ({ offerSdp, tracks }) =>
        this.#emit({
          type: 'subscriber_offer',
          roomId: this.id,
          participantId,
          offerSdp,
          tracks: [...tracks],
        }),
      inspect:
        inspector === null
          ? null
          : (publisherId, kind, payload) =>
              inspector.record(this.id, publisherId, participantId, kind, payload),
    });
    this.#watchConnection(participantId, 'publisher', publisher.pc, publisherFaults);
    this.#watchConnection(participantId, 'subscriber', subscriber.pc, subscriberFaults);
    this.#participants.set(participantId, { publisher, subscriber, muted: new Set() });
    return this.#subscribeToOthers(participantId, subscriber);
  }

  async publish(
    participantId: ParticipantId,
    offerSdp: string,
    layers: readonly SimulcastLayer[],
  ): Promise<string> {
    const participant = this.#participant(participantId);
    const { answerSdp, added, removed } = await participant.publisher.answer(offerSdp, layers);
    const others = [...this.#participants].filter(([id]) => id !== participantId);
    await Promise.all(
      others.flatMap(([, other]) => [
        ...removed.map((source) => other.subscriber.removeSource(source.id)),
        other.subscriber.addSources(added),
      ]),
    );
    return answerSdp;
  }

  answerSubscription(participantId: ParticipantId, answerSdp: string): Promise<void> {
    return this.#participant(participantId).subscriber.applyAnswer(answerSdp);
  }

  setLayerPreference(
    subscriberId: ParticipantId,
    publisherId: ParticipantId,
    preference: LayerPreference,
  ): void {
    this.#participant(subscriberId).subscriber.setPreference(publisherId, preference);
  }

  setMuted(participantId: ParticipantId, kind: MediaKind, isMuted: boolean): void {
    const participant = this.#participant(participantId);
    if (isMuted) participant.muted.add(kind);
    else participant.muted.delete(kind);
    for (const source of participant.publisher.sources) {
      if (source.kind === kind) source.isMuted = isMuted;
    }
    if (kind === 'audio' && isMuted) this.#speaker.remove(participantId);
    this.#emit({ type: 'mute_changed', roomId: this.id, participantId, kind, isMuted });
  }

  async leave(participantId: ParticipantId): Promise<void> {
    const participant = this.#participant(participantId);
    this.#participants.delete(participantId);
    this.#speaker.remove(participantId);
    const sources = participant.publisher.sources;
    await Promise.all([
      participant.publisher.close(),
      participant.subscriber.close(),
      ...[...this.#participants.values()].flatMap((other) =>
        sources.map((source) => other.subscriber.removeSource(source.id)),
      ),
    ]);
  }

  /** The layers a subscriber receives of a publisher's video now (tests, diagnostics). */
  currentLayers(subscriberId: ParticipantId, publisherId: ParticipantId): (string | null)[] {
    return this.#participant(subscriberId).subscriber.currentLayers(publisherId);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    const participants = [...this.#participants.values()];
    this.#participants.clear();
    await Promise.all(
      participants.flatMap((participant) => [
        participant.publisher.close(),
        participant.subscriber.close(),
      ]),
    );
  }

  #participant(participantId: ParticipantId): Participant {
    const participant = this.#participants.get(participantId);
    if (participant === undefined) {
      throw new SfuError('sfu_participant_not_found', 'participant not in room');
    }
    return participant;
  }

  async #subscribeToOthers(
    participantId: ParticipantId,
    subscriber: SubscriberSession,
  ): Promise<void> {
    const sources = [...this.#participants]
      .filter(([id]) => id !== participantId)
      .flatMap(([, other]) => other.publisher.sources);
    await subscriber.addSources(sources);
  }

  #watchConnection(
    participantId: ParticipantId,
    role: ConnectionRole,
    pc: {
      connectionStateChange: { subscribe: (listener: (state: ConnectionState) => void) => unknown };
    },
    faults: FaultSink,
  ): void {
    pc.connectionStateChange.subscribe(
      faults.guard('connection_state', (state: ConnectionState) => {
        this.#emit({ type: 'connection_state', roomId: this.id, participantId, role, state });
      }),
    );
  }

  #tick(): void {
    const nowMs = this.#now();
    const changed = this.#speaker.evaluate(nowMs);
    if (changed !== undefined) {
      this.#emit({ type: 'active_speaker', roomId: this.id, participantId: changed });
    }
    for (const participant of this.#participants.values()) {
      participant.subscriber.retryKeyframes(nowMs);
    }
  }
}
