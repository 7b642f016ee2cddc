import {
  PROTOCOL_VERSION,
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

  it('counts an open WebSocket session in amtsbote_websocket_connections', async () => {
    const socket = new WebSocket(server.wsUrl);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      const welcome = nextMessage(socket);
      socket.send(
        JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, token: adminToken }),
      );
      expect((await welcome).type).toBe('welcome');
      expect(metricValue(await metricsText(server), 'amtsbote_websocket_connections')).toBe(1);
    } finally {
      socket.close();
    }
    await vi.waitFor(async () => {
      expect(metricValue(await metricsText(server), 'amtsbote_websocket_connections')).toBe(0);
    });
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
