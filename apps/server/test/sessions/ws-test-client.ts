import {
  PROTOCOL_VERSION,
  wsServerMessageSchema,
  type WsServerMessage,
  type WsWelcome,
} from '@amtsbote/protocol';
import { WebSocket, type ClientOptions } from 'ws';

/* A thin client over the `ws` package that records what the server does, for assertions. */

export interface CloseEvent {
  readonly code: number;
  readonly reason: string;
}

export interface TestSocket {
  readonly socket: WebSocket;
  /** Resolves with the first message from the server (a welcome or a reject). */
  readonly firstMessage: Promise<WsServerMessage>;
  /** Resolves when the connection ends, with the close code the server sent. */
  readonly closed: Promise<CloseEvent>;
  sendHello(token: string, protocolVersion?: number): void;
}

/** Opens a connection (no hello sent yet); rejects when the upgrade fails. */
export async function openSocket(url: string, options: ClientOptions = {}): Promise<TestSocket> {
  const socket = new WebSocket(url, options);
  const closed = new Promise<CloseEvent>((resolve) => {
    socket.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString('utf8') });
    });
  });
  const firstMessage = new Promise<WsServerMessage>((resolve, reject) => {
    socket.once('message', (data, isBinary) => {
      const text = isBinary ? '<binary>' : Buffer.from(data as Buffer).toString('utf8');
      try {
        resolve(wsServerMessageSchema.parse(JSON.parse(text)));
      } catch (error) {
        reject(new Error(`unexpected first message: ${text}`, { cause: error }));
      }
    });
    socket.once('close', () => {
      reject(new Error('the connection closed before any message'));
    });
  });
  // Keeps an unawaited firstMessage from counting as an unhandled rejection.
  firstMessage.catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => {
      resolve();
    });
    socket.once('error', reject);
  });
  return {
    socket,
    firstMessage,
    closed,
    sendHello: (token, protocolVersion = PROTOCOL_VERSION) => {
      socket.send(JSON.stringify({ type: 'hello', protocolVersion, token }));
    },
  };
}

/** Opens a connection and completes the hello; fails unless the server welcomes it. */
export async function connectAuthenticated(
  url: string,
  token: string,
): Promise<TestSocket & { welcome: WsWelcome }> {
  const connection = await openSocket(url);
  connection.sendHello(token);
  const message = await connection.firstMessage;
  if (message.type !== 'welcome') throw new Error(`expected a welcome, got ${message.type}`);
  return { ...connection, welcome: message };
}

/** The HTTP status with which the server refuses an upgrade, or null when it accepts it. */
export async function upgradeStatus(url: string, options: ClientOptions): Promise<number | null> {
  const socket = new WebSocket(url, options);
  return new Promise<number | null>((resolve, reject) => {
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      socket.terminate();
    });
    socket.on('open', () => {
      resolve(null);
      socket.close();
    });
    socket.on('error', reject);
  });
}

/** Resolves when the server answers a ping: proof that the connection is still served. */
export async function pong(socket: WebSocket): Promise<void> {
  await new Promise<void>((resolve) => {
    socket.once('pong', () => {
      resolve();
    });
    socket.ping();
  });
}

/** Waits for the promise, failing with a message naming what did not happen in time. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what} did not happen within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
