import {
  EnvelopeError,
  PROTOCOL_VERSION,
  WS_CLOSE,
  decodeFrame,
  encodeFrame,
  wsServerMessageSchema,
  type FrameHeaders,
} from '@amtsbote/protocol';
import { assertNever } from '../store/assert-never.js';
import type { Cursor } from './messaging-api.js';

/*
 * The device's WebSocket: hello with the session token, then binary frames (envelope.ts).
 * Reconnects with exponential back-off and jitter until stopped, except after a close that a
 * retry cannot cure (session ended, device revoked, protocol mismatch). Sends are matched to
 * their 'sent' or 'error' answer by request id.
 */

/** What the engine needs of a WebSocket: the browser's, or the `ws` package's in Node 20. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  addEventListener(
    type: 'close',
    listener: (event: { readonly code: number; readonly reason: string }) => void,
  ): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Closes after which reconnecting is pointless: the user must sign in again or update. */
const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  WS_CLOSE.protocolMismatch,
  WS_CLOSE.unauthenticated,
  WS_CLOSE.sessionEnded,
  WS_CLOSE.deviceRevoked,
  WS_CLOSE.userDisabled,
]);
const OPEN = 1;
const MAX_REQUEST_ID = 2 ** 32 - 1;

export interface ReconnectPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}
export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = {
  initialDelayMs: 250,
  maxDelayMs: 30_000,
};

export class LiveSendError extends Error {
  /** A server error code, or 'connection_closed' / 'timeout' when no answer came. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'LiveSendError';
    this.code = code;
  }
}

export interface LiveConnectionOptions {
  readonly url: string;
  readonly token: string;
  readonly WebSocket: WebSocketConstructor;
  readonly reconnect: ReconnectPolicy;
  /** A number in [0, 1) for the back-off's jitter. */
  readonly random: () => number;
  readonly onEvent: (header: FrameHeaders['event'], payload: Uint8Array) => void;
  readonly onNotice: (notice: FrameHeaders['notice']) => void;
  /** Another device's ephemeral message (typing): relayed live, never stored, never re-sent. */
  readonly onEphemeral: (header: FrameHeaders['ephemeral_event'], payload: Uint8Array) => void;
  /** After each successful hello (first connect and every reconnect). */
  readonly onConnected: () => void;
  /** `reason` is the close frame's reason: for a protocol mismatch, which side is too old. */
  readonly onDisconnected: (closeCode: number, isFinal: boolean, reason: string) => void;
}

interface PendingSend {
  readonly resolve: (sent: FrameHeaders['sent']) => void;
  readonly reject: (error: LiveSendError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

function frameBytes(data: unknown): Uint8Array | null {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

export class LiveConnection {
  readonly #options: LiveConnectionOptions;
  readonly #pending = new Map<number, PendingSend>();
  #socket: WebSocketLike | null = null;
  #isWelcomed = false;
  #isStopped = true;
  #attempts = 0;
  #nextRequestId = 0;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: LiveConnectionOptions) {
    this.#options = options;
  }

  get isConnected(): boolean {
    return this.#isWelcomed && this.#socket?.readyState === OPEN;
  }

  start(): void {
    if (!this.#isStopped) return;
    this.#isStopped = false;
    this.#connect();
  }

  stop(): void {
    this.#isStopped = true;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#socket?.close(WS_CLOSE.normal, 'client stopped');
    this.#failPending('connection_closed');
  }

  /** Sends an application message; resolves with the server's 'sent' answer. */
  async send(
    header: Omit<FrameHeaders['send'], 'requestId'>,
    payload: Uint8Array,
    timeoutMs: number,
  ): Promise<FrameHeaders['sent']> {
    const socket = this.#socket;
    if (socket === null || !this.isConnected) {
      throw new LiveSendError('connection_closed', 'not connected');
    }
    this.#nextRequestId = this.#nextRequestId >= MAX_REQUEST_ID ? 1 : this.#nextRequestId + 1;
    const requestId = this.#nextRequestId;
    const answer = new Promise<FrameHeaders['sent']>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(new LiveSendError('timeout', 'no answer to the send'));
      }, timeoutMs);
      this.#pending.set(requestId, { resolve, reject, timer });
    });
    socket.send(encodeFrame({ kind: 'send', header: { ...header, requestId }, payload }));
    return answer;
  }

  /** Sends an ephemeral message, unanswered and best effort; false when not connected. */
  sendEphemeral(header: FrameHeaders['ephemeral'], payload: Uint8Array): boolean {
    if (this.#socket === null || !this.isConnected) return false;
    this.#socket.send(encodeFrame({ kind: 'ephemeral', header, payload }));
    return true;
  }

  /** Acknowledges positions over the socket; false when not connected (use HTTP then). */
  ack(cursors: readonly Cursor[]): boolean {
    if (cursors.length === 0) return true;
    if (this.#socket === null || !this.isConnected) return false;
    this.#socket.send(
      encodeFrame({ kind: 'ack', header: { cursors: [...cursors] }, payload: new Uint8Array() }),
    );
    return true;
  }

  #connect(): void {
    this.#retryTimer = null;
    if (this.#isStopped) return;
    const socket = new this.#options.WebSocket(this.#options.url);
    socket.binaryType = 'arraybuffer';
    this.#socket = socket;
    this.#isWelcomed = false;
    socket.addEventListener('open', () => {
      socket.send(
        JSON.stringify({
          type: 'hello',
          protocolVersion: PROTOCOL_VERSION,
          token: this.#options.token,
        }),
      );
    });
    socket.addEventListener('message', (event) => {
      this.#onMessage(socket, event.data);
    });
    // A failed connection is followed by 'close', which schedules the retry.
    socket.addEventListener('error', () => undefined);
    socket.addEventListener('close', (event) => {
      this.#onClose(socket, event.code, event.reason);
    });
  }

  #onMessage(socket: WebSocketLike, data: unknown): void {
    if (socket !== this.#socket) return;
    if (!this.#isWelcomed) {
      if (typeof data !== 'string') return;
      let parsed;
      try {
        parsed = wsServerMessageSchema.safeParse(JSON.parse(data));
      } catch {
        return;
      }
      // A reject is followed by the server's close, which decides about retrying.
      if (!parsed.success || parsed.data.type !== 'welcome') return;
      this.#isWelcomed = true;
      this.#attempts = 0;
      this.#options.onConnected();
      return;
    }
    const bytes = frameBytes(data);
    if (bytes === null) return;
    let frame;
    try {
      frame = decodeFrame(bytes);
    } catch (error) {
      if (error instanceof EnvelopeError) return;
      throw error;
    }
    switch (frame.kind) {
      case 'event':
        this.#options.onEvent(frame.header, frame.payload);
        return;
      case 'notice':
        this.#options.onNotice(frame.header);
        return;
      case 'ephemeral_event':
        this.#options.onEphemeral(frame.header, frame.payload);
        return;
      case 'sent':
        this.#settle(frame.header.requestId, (p) => {
          p.resolve(frame.header);
        });
        return;
      case 'error': {
        const { requestId, code, message } = frame.header;
        if (requestId === null) return;
        this.#settle(requestId, (p) => {
          p.reject(new LiveSendError(code, message));
        });
        return;
      }
      case 'send':
      case 'ack':
      case 'ephemeral':
        return;
      default:
        assertNever(frame);
    }
  }

  #settle(requestId: number, action: (pending: PendingSend) => void): void {
    const pending = this.#pending.get(requestId);
    if (pending === undefined) return;
    this.#pending.delete(requestId);
    clearTimeout(pending.timer);
    action(pending);
  }

  #failPending(code: string): void {
    for (const [requestId, pending] of this.#pending) {
      this.#pending.delete(requestId);
      clearTimeout(pending.timer);
      pending.reject(new LiveSendError(code, 'the connection closed before the answer'));
    }
  }

  #onClose(socket: WebSocketLike, code: number, reason: string): void {
    if (socket !== this.#socket) return;
    this.#socket = null;
    const wasWelcomed = this.#isWelcomed;
    this.#isWelcomed = false;
    this.#failPending('connection_closed');
    const isFinal = this.#isStopped || FINAL_CLOSE_CODES.has(code);
    if (wasWelcomed || isFinal) this.#options.onDisconnected(code, isFinal, reason);
    if (isFinal) {
      this.#isStopped = true;
      return;
    }
    const { initialDelayMs, maxDelayMs } = this.#options.reconnect;
    const delayMs = Math.min(maxDelayMs, initialDelayMs * 2 ** this.#attempts);
    this.#attempts += 1;
    // Jitter spreads the reconnects of many clients after a server restart.
    this.#retryTimer = setTimeout(
      () => {
        this.#connect();
      },
      delayMs * (0.5 + this.#options.random() / 2),
    );
  }
}
