import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  encodeFrame,
  MIN_SUPPORTED_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  WS_CLOSE,
  WS_MAX_HELLO_BYTES,
  wsHelloSchema,
  type WsServerMessage,
} from '@amtsbote/protocol';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { AppError } from '../errors.js';
import type { IdentityContext } from '../identity/identity-context.js';
import type { SessionEndReason, SessionsEndedEvent } from '../identity/session-events.js';
import { authenticate, type Principal } from '../identity/sessions.js';
import type { MessagingContext } from '../messaging/messaging-context.js';
import type { Metrics } from '../observability/metrics.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { FrameHandler } from './frame-handler.js';
import {
  findSessionsEndedSince,
  LIVENESS_LOOKBACK_MS,
  recheckSessions,
  type EndedSession,
} from './session-liveness.js';

export const WEBSOCKET_PATH = '/api/ws';

export interface WebsocketGatewayOptions {
  readonly identity: IdentityContext;
  readonly messaging: MessagingContext;
  /** Authenticated connections by device, shared with the messaging services that push. */
  readonly registry: ConnectionRegistry;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Origins allowed to open a connection from a browser (the public URL's origin). */
  readonly allowedOrigins: readonly string[];
  readonly helloTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** How often live connections are re-checked against storage (covers changes made elsewhere). */
  readonly livenessIntervalMs?: number;
  readonly maxPayloadBytes?: number;
}

const CLOSE_FOR_REASON: Readonly<Record<SessionEndReason, number>> = {
  session_ended: WS_CLOSE.sessionEnded,
  device_revoked: WS_CLOSE.deviceRevoked,
  user_disabled: WS_CLOSE.userDisabled,
};

interface Connection {
  readonly socket: WebSocket;
  principal: Principal | null;
  /** Handles binary frames once the hello succeeded. */
  frames: FrameHandler | null;
  isAlive: boolean;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/**
 * Accepts WebSocket upgrades on WEBSOCKET_PATH: checks the Origin, expects a hello with the
 * protocol version and a session token as the first frame, then keeps the connection until the
 * session ends. Connections are indexed by session so ending a session closes them at once.
 */
export class WebsocketGateway {
  readonly #options: Required<WebsocketGatewayOptions>;
  readonly #wss: WebSocketServer;
  readonly #connections = new Set<Connection>();
  readonly #bySession = new Map<string, Set<Connection>>();
  /** Each open session's expiry as last known, and its organization. */
  readonly #expiries = new Map<string, { expiresAt: Date; organizationId: string }>();
  /** The liveness check has seen every change before this (its last run's start). */
  #checkedUpTo: Date;
  #isChecking = false;
  readonly #unsubscribe: () => void;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #liveness: NodeJS.Timeout;
  #isClosing = false;

  constructor(options: WebsocketGatewayOptions) {
    this.#options = {
      helloTimeoutMs: 10_000,
      heartbeatIntervalMs: 30_000,
      livenessIntervalMs: 5_000,
      maxPayloadBytes: 256 * 1024,
      ...options,
    };
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.#options.maxPayloadBytes,
      perMessageDeflate: false,
    });
    // Connections authenticate at their hello, so changes before the start concern none of them.
    this.#checkedUpTo = options.identity.clock.now();
    this.#unsubscribe = options.identity.events.subscribe((event) => this.#onSessionsEnded(event));
    this.#heartbeat = setInterval(() => this.#sweepHeartbeats(), this.#options.heartbeatIntervalMs);
    this.#liveness = setInterval(
      () => void this.#checkLiveness(),
      this.#options.livenessIntervalMs,
    );
    this.#heartbeat.unref();
    this.#liveness.unref();
  }

  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.#handleUpgrade(request, socket, head);
    });
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  #handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== WEBSOCKET_PATH || this.#isClosing) {
      this.#refuse(socket, this.#isClosing ? 503 : 404, this.#isClosing ? 'closing' : 'not_found');
      return;
    }
    const origin = request.headers.origin;
    // Browsers always send Origin; native and CLI clients do not and authenticate by token alone.
    if (origin !== undefined && !this.#isAllowedOrigin(origin, request.headers.host)) {
      this.#refuse(socket, 403, 'origin');
      return;
    }
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#accept(ws));
  }

  /**
   * The public URL's origin, or the page's own: a page served by this server under another name
   * (127.0.0.1 rather than localhost, say) connects to the host it came from. Another site's page
   * has another origin than the Host it connects to and is refused. (The session token in the
   * hello, never a cookie, is what authenticates; this check is defence in depth.)
   */
  #isAllowedOrigin(origin: string, host: string | undefined): boolean {
    if (this.#options.allowedOrigins.includes(origin)) return true;
    if (host === undefined) return false;
    try {
      return new URL(origin).host === host.toLowerCase();
    } catch {
      return false;
    }
  }

  #refuse(socket: Duplex, status: number, reason: string): void {
    this.#options.metrics.websocketServerCloses.inc({ reason });
    const text =
      status === 403 ? 'Forbidden' : status === 503 ? 'Service Unavailable' : 'Not Found';
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  #accept(socket: WebSocket): void {
    const connection: Connection = { socket, principal: null, frames: null, isAlive: true };
    this.#connections.add(connection);
    this.#options.metrics.websocketConnections.inc();
    const helloTimer = setTimeout(() => {
      this.#close(connection, WS_CLOSE.helloTimeout, 'hello_timeout');
    }, this.#options.helloTimeoutMs);
    socket.on('pong', () => {
      connection.isAlive = true;
    });
    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (connection.principal === null) {
        clearTimeout(helloTimer);
        void this.#onHello(connection, data, isBinary);
      } else if (!isBinary) {
        // After the hello the protocol is binary frames only (envelope.ts).
        this.#close(connection, WS_CLOSE.policyViolation, 'unexpected_text');
      } else {
        connection.frames?.handle(toBytes(data));
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(helloTimer);
      this.#forget(connection);
    });
  }

  async #onHello(connection: Connection, data: RawData, isBinary: boolean): Promise<void> {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary || bytes.length > WS_MAX_HELLO_BYTES) {
      this.#close(connection, WS_CLOSE.policyViolation, 'bad_hello');
      return;
    }
    let parsed;
    try {
      parsed = wsHelloSchema.safeParse(JSON.parse(bytes.toString('utf8')));
    } catch {
      parsed = null;
    }
    if (parsed === null || !parsed.success) {
      this.#close(connection, WS_CLOSE.policyViolation, 'bad_hello');
      return;
    }
    const hello = parsed.data;
    if (
      hello.protocolVersion < MIN_SUPPORTED_PROTOCOL_VERSION ||
      hello.protocolVersion > PROTOCOL_VERSION
    ) {
      const reason =
        hello.protocolVersion < MIN_SUPPORTED_PROTOCOL_VERSION
          ? 'client_too_old'
          : 'client_too_new';
      this.#send(connection, { type: 'reject', reason });
      this.#close(connection, WS_CLOSE.protocolMismatch, reason);
      return;
    }
    let principal: Principal;
    try {
      principal = await authenticate(this.#options.identity, hello.token);
    } catch (error) {
      if (!(error instanceof AppError)) {
        this.#options.logger.error({ err: error }, 'websocket authentication failed');
      }
      this.#send(connection, { type: 'reject', reason: 'unauthenticated' });
      this.#close(connection, WS_CLOSE.unauthenticated, 'unauthenticated');
      return;
    }
    if (connection.socket.readyState !== WebSocket.OPEN) return;
    connection.principal = principal;
    this.#options.metrics.websocketSessions.inc();
    let set = this.#bySession.get(principal.sessionId);
    if (set === undefined) {
      set = new Set();
      this.#bySession.set(principal.sessionId, set);
    }
    set.add(connection);
    this.#expiries.set(principal.sessionId, {
      expiresAt: principal.expiresAt,
      organizationId: principal.organizationId,
    });
    this.#send(connection, {
      type: 'welcome',
      protocolVersion: PROTOCOL_VERSION,
      sessionId: principal.sessionId,
      deviceId: principal.deviceId,
    });
    connection.frames = new FrameHandler({
      messaging: this.#options.messaging,
      logger: this.#options.logger,
      principal,
      onSendSettled: (seconds, outcome) => {
        this.#options.metrics.messageDelivery.observe({ outcome }, seconds);
      },
      sendFrame: (frame) => {
        if (connection.socket.readyState === WebSocket.OPEN) {
          connection.socket.send(encodeFrame(frame));
        }
      },
      closeForPolicy: (reason) => {
        this.#close(connection, WS_CLOSE.policyViolation, reason);
      },
    });
    this.#options.registry.add(principal.deviceId, connection.socket);
  }

  #send(connection: Connection, message: WsServerMessage): void {
    if (connection.socket.readyState === WebSocket.OPEN) {
      connection.socket.send(JSON.stringify(message));
    }
  }

  #close(connection: Connection, code: number, reason: string): void {
    this.#options.metrics.websocketServerCloses.inc({ reason });
    if (
      connection.socket.readyState === WebSocket.OPEN ||
      connection.socket.readyState === WebSocket.CONNECTING
    ) {
      connection.socket.close(code, reason);
    }
    this.#forget(connection);
  }

  #forget(connection: Connection): void {
    if (!this.#connections.delete(connection)) return;
    this.#options.metrics.websocketConnections.dec();
    if (connection.principal === null) return;
    this.#options.metrics.websocketSessions.dec();
    this.#options.registry.remove(connection.principal.deviceId, connection.socket);
    const sessionId = connection.principal.sessionId;
    const set = this.#bySession.get(sessionId);
    set?.delete(connection);
    if (set?.size === 0) {
      this.#bySession.delete(sessionId);
      this.#expiries.delete(sessionId);
    }
  }

  #onSessionsEnded(event: SessionsEndedEvent): void {
    const code = CLOSE_FOR_REASON[event.reason];
    for (const sessionId of event.sessionIds) {
      for (const connection of this.#bySession.get(sessionId) ?? []) {
        this.#close(connection, code, event.reason);
      }
    }
  }

  #sweepHeartbeats(): void {
    for (const connection of this.#connections) {
      if (!connection.isAlive) {
        connection.socket.terminate();
        this.#forget(connection);
        continue;
      }
      connection.isAlive = false;
      connection.socket.ping();
    }
  }

  /**
   * Closes connections whose session was ended by another node or process (the changes since
   * the last run, session-liveness.ts), or expired: a session whose known expiry passed is
   * looked up, since use extends it.
   */
  async #checkLiveness(): Promise<void> {
    if (this.#isChecking) return;
    this.#isChecking = true;
    const { identity, logger } = this.#options;
    const startedAt = identity.clock.now();
    try {
      if (this.#bySession.size > 0) {
        const since = new Date(this.#checkedUpTo.getTime() - LIVENESS_LOOKBACK_MS);
        const ended = await findSessionsEndedSince(identity, since);
        const due = [...this.#expiries]
          .filter(([, known]) => known.expiresAt <= startedAt)
          .map(([sessionId, known]) => ({ sessionId, organizationId: known.organizationId }));
        const rechecked = await recheckSessions(identity, due);
        for (const [sessionId, expiresAt] of rechecked.expiries) {
          const known = this.#expiries.get(sessionId);
          if (known !== undefined) known.expiresAt = expiresAt;
        }
        this.#closeEnded([...ended, ...rechecked.ended]);
      }
      this.#checkedUpTo = startedAt;
    } catch (error) {
      logger.warn({ err: error }, 'websocket liveness check failed');
    } finally {
      this.#isChecking = false;
    }
  }

  #closeEnded(ended: readonly EndedSession[]): void {
    for (const { sessionId, organizationId, reason } of ended) {
      if (!this.#bySession.has(sessionId)) continue;
      this.#onSessionsEnded({ organizationId, sessionIds: [sessionId], reason });
    }
  }

  /** Stops accepting and closes every connection with 1001 "going away". */
  close(): void {
    this.#isClosing = true;
    clearInterval(this.#heartbeat);
    clearInterval(this.#liveness);
    this.#unsubscribe();
    for (const connection of [...this.#connections]) {
      connection.socket.close(WS_CLOSE.goingAway, 'server shutting down');
      this.#forget(connection);
    }
    this.#wss.close();
  }
}
