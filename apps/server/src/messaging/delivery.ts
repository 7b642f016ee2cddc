import type { FrameHeaders, MessageIntent, SyncEventType } from '@amtsbote/protocol';

/** One item of a device's stream, as stored: a commit, an application message or a welcome. */
export interface RoutedEvent {
  readonly type: SyncEventType;
  readonly conversationId: string;
  readonly seq: number;
  readonly epoch: number;
  readonly senderDeviceId: string;
  readonly messageId: string | null;
  /** Messages: the intent the sender declared; null for commits and welcomes. */
  readonly intent: MessageIntent | null;
  readonly sentAt: Date;
  readonly data: Uint8Array;
  /** Welcomes: the group's ratchet tree, when the committer provided it. */
  readonly ratchetTree: Uint8Array | null;
}

export type Notice = FrameHeaders['notice'];

/** An ephemeral message on its way to the connected devices: never stored (ephemeral-relay.ts). */
export interface RelayedEphemeral {
  readonly conversationId: string;
  readonly epoch: number;
  readonly senderDeviceId: string;
  readonly ciphertext: Uint8Array;
}

/**
 * Pushes to the devices connected to this node, after the data is durably stored. A push may be
 * lost (device offline, slow, another node): devices catch up by sync, so this is best effort.
 */
export interface Delivery {
  pushEvent(deviceIds: readonly string[], event: RoutedEvent): void;
  pushNotice(deviceId: string, notice: Notice): void;
  /** Ephemeral messages exist only in this push: a device that misses it never sees it. */
  pushEphemeral(deviceIds: readonly string[], ephemeral: RelayedEphemeral): void;
}
