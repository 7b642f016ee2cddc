/*
 * The selective forwarding unit as the rest of the server sees it (ADR 0017): rooms of
 * participants, each with a publisher connection (the client offers, the SFU answers) and a
 * subscriber connection (the SFU offers the other participants' tracks, the client answers).
 * Media payloads are end-to-end encrypted (SFrame) and forwarded untouched. One implementation
 * runs werift in child processes (`pool/worker-pool.ts`); another SFU can implement this
 * interface.
 */

export type RoomId = string & { readonly __brand: 'SfuRoomId' };
export type ParticipantId = string & { readonly __brand: 'SfuParticipantId' };

export const asRoomId = (value: string): RoomId => value as RoomId;
export const asParticipantId = (value: string): ParticipantId => value as ParticipantId;

export const MEDIA_KINDS = ['audio', 'video'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

/** One simulcast encoding a publisher sends, as its client configured it. */
export interface SimulcastLayer {
  readonly rid: string;
  readonly width: number;
  readonly height: number;
  readonly maxBitrateBps: number;
}

export interface PublishRequest {
  readonly roomId: RoomId;
  readonly participantId: ParticipantId;
  /** The client's offer for its publisher connection. */
  readonly offerSdp: string;
  /** The simulcast layers of its video, by rid; empty for a single encoding. */
  readonly layers: readonly SimulcastLayer[];
}

/** What a subscriber can show of one publisher's video: the view's size and its bandwidth. */
export interface LayerPreference {
  readonly maxWidth: number;
  readonly maxHeight: number;
  /** The subscriber's estimated receive bandwidth for this video; null when unknown. */
  readonly bandwidthBps: number | null;
}

/** Which publisher's track a subscriber-connection m-line carries. */
export interface SubscribedTrack {
  readonly mid: string;
  readonly publisherId: ParticipantId;
  readonly kind: MediaKind;
}

export const CONNECTION_ROLES = ['publisher', 'subscriber'] as const;
export type ConnectionRole = (typeof CONNECTION_ROLES)[number];

export const CONNECTION_STATES = [
  'new',
  'connecting',
  'connected',
  'disconnected',
  'failed',
  'closed',
] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

export type SfuEvent =
  /** A new offer for a participant's subscriber connection; answer with answerSubscription. */
  | {
      readonly type: 'subscriber_offer';
      readonly roomId: RoomId;
      readonly participantId: ParticipantId;
      readonly offerSdp: string;
      readonly tracks: readonly SubscribedTrack[];
    }
  | {
      readonly type: 'mute_changed';
      readonly roomId: RoomId;
      readonly participantId: ParticipantId;
      readonly kind: MediaKind;
      readonly isMuted: boolean;
    }
  /** The loudest participant now, or null when nobody speaks. */
  | {
      readonly type: 'active_speaker';
      readonly roomId: RoomId;
      readonly participantId: ParticipantId | null;
    }
  | {
      readonly type: 'connection_state';
      readonly roomId: RoomId;
      readonly participantId: ParticipantId;
      readonly role: ConnectionRole;
      readonly state: ConnectionState;
    }
  /**
   * A worker ended unexpectedly: these rooms are gone. Their calls recover by creating the
   * rooms again (they are placed on a live worker) and having the clients join again.
   */
  | { readonly type: 'worker_lost'; readonly roomIds: readonly RoomId[] };

export type SfuEventListener = (event: SfuEvent) => void;

export interface Sfu {
  createRoom(roomId: RoomId): Promise<void>;
  join(roomId: RoomId, participantId: ParticipantId): Promise<void>;
  /** Answers the client's publisher offer; its tracks are offered to the other participants. */
  publish(request: PublishRequest): Promise<{ readonly answerSdp: string }>;
  /** The client's answer to the latest subscriber_offer. */
  answerSubscription(
    roomId: RoomId,
    participantId: ParticipantId,
    answerSdp: string,
  ): Promise<void>;
  setLayerPreference(
    roomId: RoomId,
    subscriberId: ParticipantId,
    publisherId: ParticipantId,
    preference: LayerPreference,
  ): Promise<void>;
  setMuted(
    roomId: RoomId,
    participantId: ParticipantId,
    kind: MediaKind,
    isMuted: boolean,
  ): Promise<void>;
  leave(roomId: RoomId, participantId: ParticipantId): Promise<void>;
  closeRoom(roomId: RoomId): Promise<void>;
  /** Returns the function that removes the listener. */
  onEvent(listener: SfuEventListener): () => void;
  close(): Promise<void>;
}

/** What a view of this size at this bandwidth should receive when nothing else is known. */
export const DEFAULT_LAYER_PREFERENCE: LayerPreference = {
  maxWidth: 1280,
  maxHeight: 720,
  bandwidthBps: null,
};

/** The logger the SFU writes to (pino's shape); it never receives media or SDP. */
export interface SfuLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** ICE servers for clients and the SFU; TURN (coturn) lets restrictive networks reach it. */
export interface IceServer {
  readonly urls: string;
  readonly username?: string;
  readonly credential?: string;
}

export interface SfuIceOptions {
  readonly iceServers: readonly IceServer[];
  /** Inclusive UDP port range of the SFU's candidates; null: any port. */
  readonly portRange: readonly [number, number] | null;
  /**
   * False (production): the SFU neither pairs with nor answers loopback, private, link-local or
   * otherwise non-public addresses, so it cannot be used to send traffic into internal networks.
   */
  readonly allowPrivateAddresses: boolean;
  /** Tests and benchmarks: pair only over 127.0.0.1 (implies allowPrivateAddresses). */
  readonly isLoopbackOnly: boolean;
}
