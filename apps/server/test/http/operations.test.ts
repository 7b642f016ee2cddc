import { randomUUID } from 'node:crypto';
import {
  CIPHERSUITES,
  PROTOCOL_VERSION,
  decodeFrame,
  encodeFrame,
  type Frame,
  passwordSchema,
  usernameSchema,
  wsServerMessageSchema,
  type WsServerMessage,
} from '@amtsbote/protocol';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { POSTGRES_SKIP_REASON } from '../support/backends.js';
import { POSTGRES_ADMIN_URL } from '../support/postgres.js';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import { expectOk, rawRequest } from './helpers.js';

async function metricsText(server: TestServer): Promise<string> {
  const response = await rawRequest(server, '/metrics');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text;
}

/** The value of an unlabelled metric, e.g. a gauge. */
function metricValue(text: string, name: string): number | null {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return match?.[1] === undefined ? null : Number(match[1]);
}

/** The value of one labelled series, written as in the exposition, e.g. `x_count{a="b"}`. */
function labelledValue(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

async function openSession(server: TestServer, token: string): Promise<WebSocket> {
  const socket = new WebSocket(server.wsUrl);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const welcome = nextMessage(socket);
  socket.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, token }));
  expect((await welcome).type).toBe('welcome');
  return socket;
}

function sendFrame(requestId: number, conversationId: string, epoch: number): Uint8Array {
  return encodeFrame({
    kind: 'send',
    header: { requestId, conversationId, messageId: randomUUID(), epoch, intent: 'post' },
    payload: new Uint8Array([1, 2, 3]),
  });
}

/** The answer (sent or error) to one request id. */
function nextFrame(socket: WebSocket, requestId: number): Promise<Frame> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer): void => {
      const frame = decodeFrame(new Uint8Array(data));
      if (
        (frame.kind === 'sent' || frame.kind === 'error') &&
        frame.header.requestId === requestId
      ) {
        socket.off('message', onMessage);
        resolve(frame);
      }
    };
    socket.on('message', onMessage);
  });
}

function nextMessage(socket: WebSocket): Promise<WsServerMessage> {
  return new Promise((resolve, reject) => {
    socket.once('message', (data: Buffer) => {
      resolve(wsServerMessageSchema.parse(JSON.parse(data.toString('utf8'))));
    });
    socket.once('close', (code) => reject(new Error(`closed with ${code}`)));
  });
}

describe('operational endpoints', () => {
  let server: TestServer;
  let adminToken: string;

  beforeAll(async () => {
    server = await startTestServer();
    adminToken = (await setupFirstOrganization(server)).token;
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers /healthz with ok', async () => {
    const response = await rawRequest(server, '/healthz');
    expect(expectOk(response, 200, z.unknown())).toEqual({ status: 'ok' });
  });

  it('answers /readyz with ready and the storage kind', async () => {
    const response = await rawRequest(server, '/readyz');
    expect(expectOk(response, 200, z.unknown())).toEqual({ status: 'ready', storage: 'pglite' });
  });

  it('exports request latency by route, WebSocket connections and event loop lag', async () => {
    await rawRequest(server, '/healthz');
    await rawRequest(server, '/api/no-such-route');
    const text = await metricsText(server);
    expect(text).toMatch(
      /^amtsbote_http_request_duration_seconds_bucket\{[^}]*route="\/healthz"[^}]*\} \d+$/m,
    );
    expect(text).toMatch(
      /^amtsbote_http_request_duration_seconds_count\{[^}]*route="unmatched"[^}]*status="404"[^}]*\} \d+$/m,
    );
    // The concrete path of an unmatched request never becomes a label: labels stay bounded.
    expect(text).not.toContain('no-such-route');
    expect(metricValue(text, 'amtsbote_websocket_connections')).toBe(0);
    expect(metricValue(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('counts an open WebSocket session in amtsbote_websocket_connections and _sessions', async () => {
    const socket = await openSession(server, adminToken);
    try {
      const text = await metricsText(server);
      expect(metricValue(text, 'amtsbote_websocket_connections')).toBe(1);
      expect(metricValue(text, 'amtsbote_websocket_sessions')).toBe(1);
    } finally {
      socket.close();
    }
    await vi.waitFor(async () => {
      const text = await metricsText(server);
      expect(metricValue(text, 'amtsbote_websocket_connections')).toBe(0);
      expect(metricValue(text, 'amtsbote_websocket_sessions')).toBe(0);
    });
  });

  it('counts a connection that has not said hello as a connection, not as a session', async () => {
    const socket = new WebSocket(server.wsUrl);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      const text = await metricsText(server);
      expect(metricValue(text, 'amtsbote_websocket_connections')).toBe(1);
      expect(metricValue(text, 'amtsbote_websocket_sessions')).toBe(0);
    } finally {
      socket.close();
    }
  });

  it('records the delivery latency of each send by outcome', async () => {
    const conversationId = randomUUID();
    const created = await rawRequest(server, '/api/conversations', {
      token: adminToken,
      body: { conversationId, kind: 'group', ciphersuite: CIPHERSUITES.xwing, memberUserIds: [] },
    });
    expect(created.status).toBe(201);
    const before = await metricsText(server);
    const socket = await openSession(server, adminToken);
    try {
      const answers = [0, 1].map((requestId) => nextFrame(socket, requestId));
      socket.send(sendFrame(0, conversationId, 0));
      // A stale epoch is refused: the second outcome.
      socket.send(sendFrame(1, conversationId, 7));
      expect((await answers[0])?.kind).toBe('sent');
      expect((await answers[1])?.kind).toBe('error');
    } finally {
      socket.close();
    }
    const after = await metricsText(server);
    for (const outcome of ['sent', 'refused']) {
      const name = `amtsbote_message_delivery_seconds_count{outcome="${outcome}"}`;
      expect((labelledValue(after, name) ?? 0) - (labelledValue(before, name) ?? 0)).toBe(1);
    }
  });

  it('publishes an OpenAPI 3.1 document generated from the request schemas', async () => {
    const response = await rawRequest(server, '/api/openapi.json');
    const document = expectOk(
      response,
      200,
      z.object({
        openapi: z.string(),
        paths: z.record(z.string(), z.record(z.string(), z.unknown())),
      }),
    );
    expect(document.openapi).toBe('3.1.0');
    expect(document.paths['/api/setup']).toHaveProperty('get');
    expect(document.paths['/api/setup']).toHaveProperty('post');
    expect(document.paths['/api/admin/users']).toHaveProperty('get');

    const requestSchema = (method: unknown): JsonSchema =>
      jsonSchema.parse(
        z
          .object({
            requestBody: z.object({
              content: z.object({ 'application/json': z.object({ schema: z.unknown() }) }),
            }),
          })
          .parse(method).requestBody.content['application/json'].schema,
      );
    const login = requestSchema(document.paths['/api/auth/login']?.['post']);
    expect(Object.keys(login.properties ?? {}).sort()).toEqual(
      ['device', 'organization', 'password', 'username'].sort(),
    );
    expect(login.additionalProperties).toBe(false);
    expect(login.properties?.['username']?.pattern).toBe(z.toJSONSchema(usernameSchema).pattern);

    const setup = requestSchema(document.paths['/api/setup']?.['post']);
    const password = setup.properties?.['admin']?.properties?.['password'];
    expect(password?.minLength).toBe(10);
    expect(password?.minLength).toBe(z.toJSONSchema(passwordSchema).minLength);
    expect(password?.maxLength).toBe(z.toJSONSchema(passwordSchema).maxLength);
  });
});

interface JsonSchema {
  readonly properties?: Record<string, JsonSchema> | undefined;
  readonly additionalProperties?: unknown;
  readonly minLength?: number | undefined;
  readonly maxLength?: number | undefined;
  readonly pattern?: string | undefined;
}
const jsonSchema: z.ZodType<JsonSchema> = z.lazy(() =>
  z.looseObject({
    properties: z.record(z.string(), jsonSchema).optional(),
    additionalProperties: z.unknown().optional(),
    minLength: z.number().optional(),
    maxLength: z.number().optional(),
    pattern: z.string().optional(),
  }),
);

describe.skipIf(POSTGRES_SKIP_REASON !== null)(
  `readiness on PostgreSQL${POSTGRES_SKIP_REASON === null ? '' : ` (skipped: ${POSTGRES_SKIP_REASON})`}`,
  () => {
    let server: TestServer;
    let databaseName: string;
    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });

    beforeAll(async () => {
      server = await startTestServer({ backend: 'postgres' });
      const result = await sql<{ name: string }>`select current_database() as name`.execute(
        server.handle.storage.db,
      );
      databaseName = result.rows[0]?.name ?? '';
      await admin.connect();
    });
    afterAll(async () => {
      await admin.query(`alter database "${databaseName}" allow_connections true`);
      await admin.end();
      await server.close();
    });

    it('answers 503 while the database refuses connections and ready again afterwards', async () => {
      expect(databaseName).toMatch(/^amtsbote_test_/);
      expect((await rawRequest(server, '/readyz')).status).toBe(200);

      await admin.query(`alter database "${databaseName}" allow_connections false`);
      await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1',
        [databaseName],
      );
      const down = await rawRequest(server, '/readyz');
      expect(down.status, down.text).toBe(503);
      expect(down.json).toEqual({ status: 'unavailable', storage: 'postgres' });
      // Liveness is about the process, not its dependencies.
      expect((await rawRequest(server, '/healthz')).status).toBe(200);

      await admin.query(`alter database "${databaseName}" allow_connections true`);
      const up = await rawRequest(server, '/readyz');
      expect(up.status, up.text).toBe(200);
      expect(up.json).toEqual({ status: 'ready', storage: 'postgres' });
    });
  },
);
