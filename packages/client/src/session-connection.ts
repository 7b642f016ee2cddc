import {
  PROTOCOL_VERSION,
  wsServerMessageSchema,
  type WsReject,
  type WsWelcome,
} from '@amtsbote/protocol';

export interface SessionConnection {
  readonly socket: WebSocket;
  readonly welcome: WsWelcome;
  /** Resolves with the close code when the connection ends. */
  readonly closed: Promise<{ code: number; reason: string }>;
}

export class ConnectionRejectedError extends Error {
  readonly reason: WsReject['reason'] | 'closed';
  readonly closeCode: number | null;

  constructor(reason: WsReject['reason'] | 'closed', closeCode: number | null) {
    super(`connection rejected: ${reason}`);
    this.name = 'ConnectionRejectedError';
    this.reason = reason;
    this.closeCode = closeCode;
  }
}

/**
 * Opens the WebSocket and authenticates with the session token in the first frame (never in
 * the URL, which proxies log). Uses the platform's WebSocket (browsers, Node 22+) or the one passed.
 */
export async function connectSession(
  wsUrl: string,
  token: string,
  WebSocketImpl: typeof WebSocket = globalThis.WebSocket,
  protocolVersion: number = PROTOCOL_VERSION,
): Promise<SessionConnection> {
  const socket = new WebSocketImpl(wsUrl);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.addEventListener('close', (event) =>
      resolve({ code: event.code, reason: event.reason }),
    );
  });
  const welcome = await new Promise<WsWelcome>((resolve, reject) => {
    socket.addEventListener('open', () => {
      socket.send(JSON.stringify({ type: 'hello', protocolVersion, token }));
    });
    socket.addEventListener('message', (event: MessageEvent) => {
      const parsed = wsServerMessageSchema.safeParse(JSON.parse(String(event.data)));
      if (!parsed.success) return;
      if (parsed.data.type === 'welcome') resolve(parsed.data);
      else reject(new ConnectionRejectedError(parsed.data.reason, null));
    });
    void closed.then(({ code }) => reject(new ConnectionRejectedError('closed', code)));
  });
  return { socket, welcome, closed };
}
