import { base64urlDecode } from '@amtsbote/crypto';
import type { FrameHeaders, MessageIntent, SyncEvent, SyncEventType } from '@amtsbote/protocol';

/** One event of the device's stream, from HTTP sync or a WebSocket frame, with its bytes. */
export interface IncomingEvent {
  readonly type: SyncEventType;
  readonly conversationId: string;
  readonly seq: number;
  readonly epoch: number;
  readonly senderDeviceId: string;
  readonly messageId: string | null;
  /** Messages: the intent the sender declared to the server (checked against the content). */
  readonly intent: MessageIntent | null;
  readonly sentAt: string;
  readonly data: Uint8Array;
  readonly ratchetTree: Uint8Array | null;
}

export function fromSyncEvent(event: SyncEvent): IncomingEvent {
  return {
    type: event.type,
    conversationId: event.conversationId,
    seq: event.seq,
    epoch: event.epoch,
    senderDeviceId: event.senderDeviceId,
    messageId: event.messageId,
    intent: event.intent,
    sentAt: event.sentAt,
    data: base64urlDecode(event.data),
    ratchetTree: event.ratchetTree === null ? null : base64urlDecode(event.ratchetTree),
  };
}

/** The payload of an event frame is the MLS object, then (welcomes) the ratchet tree. */
export function fromEventFrame(header: FrameHeaders['event'], payload: Uint8Array): IncomingEvent {
  const dataLength = Math.min(header.dataLength, payload.length);
  const tree = payload.slice(dataLength);
  return {
    type: header.type,
    conversationId: header.conversationId,
    seq: header.seq,
    epoch: header.epoch,
    senderDeviceId: header.senderDeviceId,
    messageId: header.messageId,
    intent: header.intent,
    sentAt: header.sentAt,
    data: payload.slice(0, dataLength),
    ratchetTree: tree.length === 0 ? null : tree,
  };
}
