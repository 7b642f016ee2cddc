import { SfuError } from '../errors.js';
import type { InspectionRecord, WorkerConfig, WorkerEvent, WorkerRequest } from '../ipc.js';
import type {
  LayerPreference,
  MediaKind,
  ParticipantId,
  PublishRequest,
  RoomId,
  Sfu,
  SfuEvent,
  SfuEventListener,
  SfuIceOptions,
  SfuLogger,
} from '../sfu.js';
import { asParticipantId, asRoomId } from '../sfu.js';
import { WorkerChannel } from './worker-channel.js';

export interface WorkerPoolOptions {
  /** The BUILT worker entry: apps/server/dist/calls/sfu/werift/worker-entry.js. */
  readonly workerEntryPath: string;
  readonly workerCount: number;
  readonly ice: SfuIceOptions;
  readonly logger: SfuLogger;
  readonly requestTimeoutMs?: number;
  readonly startTimeoutMs?: number;
  /** Grace for a worker to close its rooms at close() before SIGKILL. */
  readonly stopGraceMs?: number;
  /** Test hook: every payload the workers forward (throws outside vitest). */
  readonly dangerousTestOnlyInspectPayloads?: (
    records: readonly InspectionRecord[],
    droppedCount: number,
  ) => void;
}

interface Slot {
  channel: WorkerChannel;
  readonly rooms: Set<RoomId>;
}

/**
 * The werift SFU behind the Sfu interface: rooms placed on the worker process with the fewest
 * rooms. A worker that ends unexpectedly is reported (worker_lost with its rooms) and replaced
 * at once by a new process in its slot; rooms on the other workers are not touched.
 */
export class WorkerPool implements Sfu {
  readonly #options: WorkerPoolOptions;
  readonly #slots: Slot[] = [];
  readonly #roomSlots = new Map<RoomId, Slot>();
  readonly #listeners = new Set<SfuEventListener>();
  #isClosed = false;

  private constructor(options: WorkerPoolOptions) {
    this.#options = options;
  }

  /** Starts the workers; resolves once every one is ready. */
  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    if (
      options.dangerousTestOnlyInspectPayloads !== undefined &&
      process.env['VITEST'] === undefined
    ) {
      throw new Error('dangerousTestOnlyInspectPayloads is for tests only');
    }
    if (!Number.isInteger(options.workerCount) || options.workerCount < 1) {
      throw new SfuError('sfu_no_worker', 'workerCount must be a positive integer');
    }
    const pool = new WorkerPool(options);
    for (let index = 0; index < options.workerCount; index += 1) {
      pool.#slots.push({ channel: pool.#startChannel(), rooms: new Set() });
    }
    try {
      await Promise.all(pool.#slots.map((slot) => slot.channel.ready));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /** Process ids of the workers, by slot (operations, tests). */
  get workerPids(): (number | null)[] {
    return this.#slots.map((slot) => slot.channel.pid);
  }

  /** The worker process a room runs on, or null. */
  workerPidOf(roomId: RoomId): number | null {
    return this.#roomSlots.get(roomId)?.channel.pid ?? null;
  }

  async createRoom(roomId: RoomId): Promise<void> {
    if (this.#roomSlots.has(roomId)) throw new SfuError('sfu_room_exists', 'room exists');
    const slot = this.#leastLoaded();
    slot.rooms.add(roomId);
    this.#roomSlots.set(roomId, slot);
    try {
      await slot.channel.request({ op: 'create_room', roomId });
    } catch (error) {
      this.#forget(roomId);
      throw error;
    }
  }

  async join(roomId: RoomId, participantId: ParticipantId): Promise<void> {
    await this.#request(roomId, { op: 'join', roomId, participantId });
  }

  async publish(request: PublishRequest): Promise<{ readonly answerSdp: string }> {
    const { answerSdp } = await this.#request(request.roomId, {
      op: 'publish',
      roomId: request.roomId,
      participantId: request.participantId,
      offerSdp: request.offerSdp,
      layers: request.layers.map((layer) => ({ ...layer })),
    });
    if (answerSdp === undefined) throw new SfuError('sfu_internal', 'worker gave no answer');
    return { answerSdp };
  }

  async answerSubscription(
    roomId: RoomId,
    participantId: ParticipantId,
    answerSdp: string,
  ): Promise<void> {
    await this.#request(roomId, { op: 'answer_subscription', roomId, participantId, answerSdp });
  }

  async setLayerPreference(
    roomId: RoomId,
    subscriberId: ParticipantId,
    publisherId: ParticipantId,
    preference: LayerPreference,
  ): Promise<void> {
    await this.#request(roomId, {
      op: 'set_layer_preference',
      roomId,
      participantId: subscriberId,
      publisherId,
      maxWidth: Math.round(preference.maxWidth),
      maxHeight: Math.round(preference.maxHeight),
      bandwidthBps: preference.bandwidthBps === null ? null : Math.round(preference.bandwidthBps),
    });
  }

  async setMuted(
    roomId: RoomId,
    participantId: ParticipantId,
    kind: MediaKind,
    isMuted: boolean,
  ): Promise<void> {
    await this.#request(roomId, { op: 'set_muted', roomId, participantId, kind, isMuted });
  }

  async leave(roomId: RoomId, participantId: ParticipantId): Promise<void> {
    await this.#request(roomId, { op: 'leave', roomId, participantId });
  }

  async closeRoom(roomId: RoomId): Promise<void> {
    try {
      await this.#request(roomId, { op: 'close_room', roomId });
    } finally {
      this.#forget(roomId);
    }
  }

  onEvent(listener: SfuEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    const grace = this.#options.stopGraceMs ?? 3000;
    await Promise.all(this.#slots.map((slot) => slot.channel.stop(grace)));
    this.#roomSlots.clear();
    this.#listeners.clear();
  }

  #startChannel(): WorkerChannel {
    const options = this.#options;
    const inspect = options.dangerousTestOnlyInspectPayloads;
    const config: WorkerConfig = {
      iceServers: options.ice.iceServers.map((server) => ({ ...server })),
      portRange:
        options.ice.portRange === null
          ? null
          : [options.ice.portRange[0], options.ice.portRange[1]],
      allowPrivateAddresses: options.ice.allowPrivateAddresses,
      isLoopbackOnly: options.ice.isLoopbackOnly,
      isInspecting: inspect !== undefined,
    };
    return new WorkerChannel({
      entryPath: options.workerEntryPath,
      config,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      startTimeoutMs: options.startTimeoutMs ?? 10_000,
      logger: options.logger,
      onEvent: (event) => this.#emit(toSfuEvent(event)),
      onInspection: (records, droppedCount) => inspect?.(records, droppedCount),
      onLost: (channel) => this.#replace(channel),
    });
  }

  #replace(lost: WorkerChannel): void {
    const slot = this.#slots.find((candidate) => candidate.channel === lost);
    if (slot === undefined || this.#isClosed) return;
    const roomIds = [...slot.rooms];
    for (const roomId of roomIds) this.#roomSlots.delete(roomId);
    slot.rooms.clear();
    slot.channel = this.#startChannel();
    slot.channel.ready.catch((error: unknown) => {
      this.#options.logger.error(
        { err: error instanceof Error ? error.message : 'unknown' },
        'replacement SFU worker did not start',
      );
    });
    this.#options.logger.warn(
      { lostPid: lost.pid, roomCount: roomIds.length },
      'SFU worker replaced',
    );
    this.#emit({ type: 'worker_lost', roomIds });
  }

  #leastLoaded(): Slot {
    if (this.#isClosed) throw new SfuError('sfu_pool_closed', 'SFU pool is closed');
    let best: Slot | null = null;
    for (const slot of this.#slots) {
      if (!slot.channel.isAlive) continue;
      if (best === null || slot.rooms.size < best.rooms.size) best = slot;
    }
    if (best === null) throw new SfuError('sfu_no_worker', 'no SFU worker is running');
    return best;
  }

  async #request(
    roomId: RoomId,
    request: WorkerRequest,
  ): Promise<{ answerSdp?: string | undefined }> {
    const slot = this.#roomSlots.get(roomId);
    if (slot === undefined) throw new SfuError('sfu_room_not_found', 'room not found');
    return slot.channel.request(request);
  }

  #forget(roomId: RoomId): void {
    this.#roomSlots.get(roomId)?.rooms.delete(roomId);
    this.#roomSlots.delete(roomId);
  }

  #emit(event: SfuEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#options.logger.error(
          { err: error instanceof Error ? error.message : 'unknown', eventType: event.type },
          'SFU event listener failed',
        );
      }
    }
  }
}

function toSfuEvent(event: WorkerEvent): SfuEvent {
  switch (event.type) {
    case 'subscriber_offer':
      return {
        ...event,
        roomId: asRoomId(event.roomId),
        participantId: asParticipantId(event.participantId),
        tracks: event.tracks.map((track) => ({
          ...track,
          publisherId: asParticipantId(track.publisherId),
        })),
      };
    case 'mute_changed':
    case 'connection_state':
      return {
        ...event,
        roomId: asRoomId(event.roomId),
        participantId: asParticipantId(event.participantId),
      };
    case 'active_speaker':
      return {
        ...event,
        roomId: asRoomId(event.roomId),
        participantId: event.participantId === null ? null : asParticipantId(event.participantId),
      };
  }
}
