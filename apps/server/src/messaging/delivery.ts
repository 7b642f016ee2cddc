import type { FrameHeaders, SyncEventType } from '@amtsbote/protocol';

/** One item of a device's stream, as stored: a commit, an application message or a welcome. */
export interface RoutedEvent {
  readonly type: SyncEventType;
  readonly conversationId: string;
  readonly seq: number;
  readonly epoch: number;
  readonly senderDeviceId: string;
  readonly messageId: string | null;
  readonly sentAt: Date;
  readonly data: Uint8Array;
  /** Welcomes: the group's ratchet tree, when the committer provided it. */
  readonly ratchetTree: Uint8Array | null;
}

export type Notice = FrameHeaders['notice'];

/**
 * Pushes to the devices connected to this node, after the data is durably stored. A push may be
 * lost (device offline, slow, another node): devices catch up by sync, so this is best effort.
 */
export interface Delivery {
  pushEvent(deviceIds: readonly string[], event: RoutedEvent): void;
  pushNotice(deviceId: string, notice: Notice): void;
}
