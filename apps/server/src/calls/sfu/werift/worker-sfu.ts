import type { PeerConfig } from 'werift';
import { SfuError } from '../errors.js';
import type { WorkerConfig, WorkerEvent, WorkerRequest } from '../ipc.js';
import { asParticipantId, asRoomId, type RoomId } from '../sfu.js';
import type { FaultReporter } from './fault-reporter.js';
import type { PayloadInspector } from './payload-inspector.js';
import { sfuPeerConfig } from './peer-config.js';
import { Room } from './room.js';

export interface WorkerResult {
  readonly answerSdp?: string;
}

/** The rooms of one worker process, driven by the parent's requests. */
export class WorkerSfu {
  readonly #rooms = new Map<RoomId, Room>();
  readonly #peerConfig: Partial<PeerConfig>;
  readonly #emit: (event: WorkerEvent) => void;
  readonly #inspector: PayloadInspector | null;
  readonly #faults: FaultReporter;
  readonly #now: () => number;

  constructor(options: {
    readonly config: WorkerConfig;
    readonly emit: (event: WorkerEvent) => void;
    readonly inspector: PayloadInspector | null;
    readonly faults: FaultReporter;
    readonly now: () => number;
  }) {
    this.#peerConfig = sfuPeerConfig(options.config);
    this.#emit = options.emit;
    this.#inspector = options.inspector;
    this.#faults = options.faults;
    this.#now = options.now;
  }

  async handle(request: WorkerRequest): Promise<WorkerResult> {
    switch (request.op) {
      case 'create_room': {
        const roomId = asRoomId(request.roomId);
        if (this.#rooms.has(roomId)) throw new SfuError('sfu_room_exists', 'room exists');
        this.#rooms.set(
          roomId,
          new Room({
            id: roomId,
            config: this.#peerConfig,
            emit: this.#emit,
            inspector: this.#inspector,
            faults: this.#faults,
            now: this.#now,
          }),
        );
        return {};
      }
      case 'join':
        await this.#room(request.roomId).join(asParticipantId(request.participantId));
        return {};
      case 'publish': {
        const answerSdp = await this.#room(request.roomId).publish(
          asParticipantId(request.participantId),
          request.offerSdp,
          request.layers,
        );
        return { answerSdp };
      }
      case 'answer_subscription':
        await this.#room(request.roomId).answerSubscription(
          asParticipantId(request.participantId),
          request.answerSdp,
        );
        return {};
      case 'set_layer_preference':
        this.#room(request.roomId).setLayerPreference(
          asParticipantId(request.participantId),
          asParticipantId(request.publisherId),
          {
            maxWidth: request.maxWidth,
            maxHeight: request.maxHeight,
            bandwidthBps: request.bandwidthBps,
          },
        );
        return {};
      case 'set_muted':
        this.#room(request.roomId).setMuted(
          asParticipantId(request.participantId),
          request.kind,
          request.isMuted,
        );
        return {};
      case 'leave':
        await this.#room(request.roomId).leave(asParticipantId(request.participantId));
        return {};
      case 'close_room': {
        const room = this.#room(request.roomId);
        this.#rooms.delete(room.id);
        await room.close();
        return {};
      }
    }
  }

  async close(): Promise<void> {
    const rooms = [...this.#rooms.values()];
    this.#rooms.clear();
    await Promise.all(rooms.map((room) => room.close()));
  }

  #room(roomId: string): Room {
    const room = this.#rooms.get(asRoomId(roomId));
    if (room === undefined) throw new SfuError('sfu_room_not_found', 'room not found');
    return room;
  }
}
