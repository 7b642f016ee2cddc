import { encodeFrame } from '@amtsbote/protocol';
import { WebSocket } from 'ws';
import type { Delivery, Notice, RelayedEphemeral, RoutedEvent } from '../messaging/delivery.js';

/** A connection with more than this waiting in its send buffer gets no more events pushed. */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** An ephemeral message waiting behind this much is stale on arrival: it is dropped instead. */
export const MAX_BUFFERED_BYTES_FOR_EPHEMERAL = 64 * 1024;

/**
 * The authenticated connections of this node, indexed by device: pushes find their sockets
 * without a query. A slow connection is not buffered without bound: it gets a sync_needed
 * notice instead of more events, and catches up by sync.
 */
export class ConnectionRegistry implements Delivery {
  readonly #byDevice = new Map<string, Set<WebSocket>>();
  readonly #behind = new WeakSet<WebSocket>();

  add(deviceId: string, socket: WebSocket): void {
    let set = this.#byDevice.get(deviceId);
    if (set === undefined) {
      set = new Set();
      this.#byDevice.set(deviceId, set);
    }
    set.add(socket);
  }

  remove(deviceId: string, socket: WebSocket): void {
    const set = this.#byDevice.get(deviceId);
    set?.delete(socket);
    if (set?.size === 0) this.#byDevice.delete(deviceId);
  }

  get deviceCount(): number {
    return this.#byDevice.size;
  }

  /** Whether the device has an open connection to this node (pushes reach it here). */
  isConnected(deviceId: string): boolean {
    for (const socket of this.#byDevice.get(deviceId) ?? []) {
      if (socket.readyState === WebSocket.OPEN) return true;
    }
    return false;
  }

  pushEvent(deviceIds: readonly string[], event: RoutedEvent): void {
    let frame: Uint8Array | null = null;
    for (const deviceId of deviceIds) {
      for (const socket of this.#byDevice.get(deviceId) ?? []) {
        if (socket.readyState !== WebSocket.OPEN) continue;
        if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
          this.#markBehind(socket);
          continue;
        }
        this.#behind.delete(socket);
        frame ??= encodeEventFrame(event);
        socket.send(frame);
      }
    }
  }

  pushNotice(deviceId: string, notice: Notice): void {
    for (const socket of this.#byDevice.get(deviceId) ?? []) {
      if (socket.readyState === WebSocket.OPEN) {
        socket.send(encodeFrame({ kind: 'notice', header: notice, payload: new Uint8Array() }));
      }
    }
  }

  pushEphemeral(deviceIds: readonly string[], ephemeral: RelayedEphemeral): void {
    let frame: Uint8Array | null = null;
    for (const deviceId of deviceIds) {
      for (const socket of this.#byDevice.get(deviceId) ?? []) {
        if (socket.readyState !== WebSocket.OPEN) continue;
        if (socket.bufferedAmount > MAX_BUFFERED_BYTES_FOR_EPHEMERAL) continue;
        frame ??= encodeFrame({
          kind: 'ephemeral_event',
          header: {
            conversationId: ephemeral.conversationId,
            senderDeviceId: ephemeral.senderDeviceId,
            epoch: ephemeral.epoch,
          },
          payload: ephemeral.ciphertext,
        });
        socket.send(frame);
      }
    }
  }

  #markBehind(socket: WebSocket): void {
    if (this.#behind.has(socket)) return;
    this.#behind.add(socket);
    socket.send(
      encodeFrame({ kind: 'notice', header: { type: 'sync_needed' }, payload: new Uint8Array() }),
    );
  }
}

/** An event frame: the payload is the MLS object, then (welcomes) the ratchet tree. */
export function encodeEventFrame(event: RoutedEvent): Uint8Array {
  const tree = event.ratchetTree ?? new Uint8Array();
  const payload = new Uint8Array(event.data.length + tree.length);
  payload.set(event.data, 0);
  payload.set(tree, event.data.length);
  return encodeFrame({
    kind: 'event',
    header: {
      type: event.type,
      conversationId: event.conversationId,
      seq: event.seq,
      epoch: event.epoch,
      senderDeviceId: event.senderDeviceId,
      messageId: event.messageId,
      intent: event.intent,
      sentAt: event.sentAt.toISOString(),
      dataLength: event.data.length,
    },
    payload,
  });
}
