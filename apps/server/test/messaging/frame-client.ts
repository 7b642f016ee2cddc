import {
  PROTOCOL_VERSION,
  decodeFrame,
  encodeFrame,
  wsServerMessageSchema,
  type Frame,
} from '@amtsbote/protocol';
import { WebSocket } from 'ws';
import { within } from '../sessions/ws-test-client.js';

/* A WebSocket client that completes the hello and then records every binary frame the server
   sends, decoded and checked against the envelope schemas. */

export const FRAME_WAIT_MS = 5_000;

export interface FrameClient {
  readonly socket: WebSocket;
  /** Every frame received so far, in order. */
  readonly frames: Frame[];
  readonly closed: Promise<{ code: number; reason: string }>;
  send(frame: Frame): void;
  sendRaw(bytes: Uint8Array | string): void;
  /** The first frame (already received or still to come) that matches. */
  next<K extends Frame['kind']>(
    kind: K,
    matches?: (frame: Extract<Frame, { kind: K }>) => boolean,
  ): Promise<Extract<Frame, { kind: K }>>;
  /**
   * Sends a frame the server refuses and waits for its error: every frame the server wrote to
   * this connection before is then received.
   */
  roundTrip(): Promise<void>;
  close(): void;
}

export async function connectFrames(wsUrl: string, token: string): Promise<FrameClient> {
  const socket = new WebSocket(wsUrl);
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString('utf8') });
    });
  });
  const welcomed = new Promise<void>((resolve, reject) => {
    socket.on('message', (data, isBinary) => {
      const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
      if (!isBinary) {
        const message = wsServerMessageSchema.parse(JSON.parse(bytes.toString('utf8')));
        if (message.type === 'welcome') resolve();
        else reject(new Error(`the server rejected the hello: ${message.reason}`));
        return;
      }
      frames.push(decodeFrame(new Uint8Array(bytes)));
      for (const wake of waiters) wake();
    });
    socket.once('close', () => {
      reject(new Error('closed before the welcome'));
    });
  });
  welcomed.catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => {
      resolve();
    });
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, token }));
  await within(welcomed, FRAME_WAIT_MS, 'the welcome');

  const next: FrameClient['next'] = (kind, matches) => {
    type F = Extract<Frame, { kind: typeof kind }>;
    const find = (): F | undefined =>
      frames.find((f): f is F => f.kind === kind && (matches?.(f as F) ?? true));
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    const arrival = new Promise<F>((resolve) => {
      const wake = (): void => {
        const frame = find();
        if (frame === undefined) return;
        waiters.delete(wake);
        resolve(frame);
      };
      waiters.add(wake);
    });
    return within(arrival, FRAME_WAIT_MS, `a ${kind} frame`);
  };

  let roundTrips = 0;
  return {
    socket,
    frames,
    closed,
    send: (frame) => {
      socket.send(encodeFrame(frame));
    },
    sendRaw: (bytes) => {
      socket.send(bytes, { binary: typeof bytes !== 'string' });
    },
    next,
    roundTrip: async () => {
      roundTrips += 1;
      const before = frames.filter((f) => f.kind === 'error').length;
      // A frame kind only the server sends: refused with an error, nothing else happens.
      socket.send(
        encodeFrame({
          kind: 'notice',
          header: { type: 'sync_needed' },
          payload: new Uint8Array(),
        }),
      );
      await within(
        new Promise<void>((resolve) => {
          const wake = (): void => {
            if (frames.filter((f) => f.kind === 'error').length > before) {
              waiters.delete(wake);
              resolve();
            }
          };
          waiters.add(wake);
          wake();
        }),
        FRAME_WAIT_MS,
        `round trip ${roundTrips}`,
      );
    },
    close: () => {
      socket.close();
    },
  };
}

/** The event frames of one conversation received so far, as (type, seq) pairs. */
export function eventsIn(
  client: FrameClient,
  conversationId: string,
): { type: string; seq: number }[] {
  return client.frames.flatMap((f) =>
    f.kind === 'event' && f.header.conversationId === conversationId
      ? [{ type: f.header.type, seq: f.header.seq }]
      : [],
  );
}
