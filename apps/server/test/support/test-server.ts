import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { HttpApi } from '@amtsbote/client';
import type { SessionGrant, SetupRequest } from '@amtsbote/protocol';
import type { Clock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import type { LoginThrottleOptions } from '../../src/identity/login-throttle.js';
import { startServer, type ServerHandle } from '../../src/main.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

export type Backend = 'pglite' | 'postgres';

export interface TestServerOptions {
  readonly backend?: Backend;
  readonly clock?: Clock;
  readonly loginThrottle?: LoginThrottleOptions;
  readonly authRateLimitPerMinute?: number;
  readonly rateLimitPerMinute?: number;
  readonly websocketLivenessIntervalMs?: number;
  readonly pushCoalesceWindowMs?: number;
  /** Reuse a data directory (to test restarts); by default a fresh temporary one. */
  readonly dataDir?: string;
  readonly env?: Record<string, string>;
}

export interface TestServer {
  readonly handle: ServerHandle;
  readonly baseUrl: string;
  readonly wsUrl: string;
  readonly dataDir: string;
  /** Every structured log line the server wrote, as raw text. */
  readonly logs: string[];
  /** Every line printed for humans (start banner, setup link). */
  readonly consoleLines: string[];
  /** The token of the setup link printed at start, or null after setup. */
  readonly setupToken: string | null;
  api(token?: string | null): HttpApi;
  close(): Promise<void>;
}

/**
 * Starts a real server on a random loopback port with its own storage. Password hashing uses
 * small argon2id parameters here only to keep the suite fast; production uses the defaults.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const backend = options.backend ?? 'pglite';
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'amtsbote-test-')));
  let database: TestDatabase | null = null;
  if (backend === 'postgres') database = await createTestDatabase();
  const logs: string[] = [];
  const consoleLines: string[] = [];
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString('utf8'));
      callback();
    },
  });
  const config = loadConfig({
    AMTSBOTE_PORT: '0',
    AMTSBOTE_HOST: '127.0.0.1',
    AMTSBOTE_DATA_DIR: dataDir,
    AMTSBOTE_LOG_LEVEL: 'info',
    // A test run may serve another build of the web app (AMTSBOTE_WEB_ROOT=<dir> npx vitest …).
    ...(process.env.AMTSBOTE_WEB_ROOT === undefined
      ? {}
      : { AMTSBOTE_WEB_ROOT: process.env.AMTSBOTE_WEB_ROOT }),
    ...(database === null ? {} : { AMTSBOTE_DATABASE_URL: database.url }),
    ...options.env,
  });
  let handle: ServerHandle;
  try {
    handle = await startServer(config, {
      logDestination,
      console: (line) => consoleLines.push(line),
      passwordHashing: { memoryCostKiB: 1024, timeCost: 1, parallelism: 1 },
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.loginThrottle === undefined ? {} : { loginThrottle: options.loginThrottle }),
      ...(options.authRateLimitPerMinute === undefined
        ? {}
        : { authRateLimitPerMinute: options.authRateLimitPerMinute }),
      ...(options.rateLimitPerMinute === undefined
        ? {}
        : { rateLimitPerMinute: options.rateLimitPerMinute }),
      ...(options.websocketLivenessIntervalMs === undefined
        ? {}
        : { websocketLivenessIntervalMs: options.websocketLivenessIntervalMs }),
      ...(options.pushCoalesceWindowMs === undefined
        ? {}
        : { pushCoalesceWindowMs: options.pushCoalesceWindowMs }),
    });
  } catch (error) {
    await database?.drop();
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const baseUrl = handle.url;
  return {
    handle,
    baseUrl,
    wsUrl: `${baseUrl.replace(/^http/, 'ws')}/api/ws`,
    dataDir,
    logs,
    consoleLines,
    setupToken:
      handle.setupLink === null ? null : new URL(handle.setupLink.url).hash.slice(1) || null,
    api: (token = null) => new HttpApi({ baseUrl, token }),
    close: async () => {
      await handle.close();
      if (database !== null) await database.drop();
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const DEVICE = { name: 'Test laptop', platform: 'web', kind: 'personal' } as const;

/** Completes first-start setup: returns the administrator's session grant. */
export async function setupFirstOrganization(
  server: TestServer,
  overrides: Partial<SetupRequest> = {},
): Promise<SessionGrant> {
  if (server.setupToken === null) throw new Error('setup is already done on this server');
  return server.api().setup({
    token: server.setupToken,
    organization: { slug: 'stadt-musterstadt', name: 'Stadt Musterstadt' },
    admin: {
      username: 'admin',
      displayName: 'Anna Admin',
      password: 'correct horse battery staple',
    },
    device: DEVICE,
    ...overrides,
  });
}
