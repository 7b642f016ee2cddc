import { ApiError, HttpApi } from '@amtsbote/client';
import { loginResponseSchema, setupStatusSchema, WS_CLOSE } from '@amtsbote/protocol';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CliProcesses,
  ensureCliBuilt,
  freePort,
  makeTempDir,
  removeDir,
  REPO_ROOT,
  startServe,
  within,
  type RunningServer,
} from '../support/cli-process.js';
import { DEVICE } from '../support/test-server.js';
import {
  ADMIN,
  completeSetup,
  connectSession,
  login,
  ORGANIZATION,
  SETUP_LINK_PATTERN,
} from './sessions.js';

const processes = new CliProcesses();
const dataDirs: string[] = [];

async function freshDataDir(): Promise<string> {
  const dir = await makeTempDir();
  dataDirs.push(dir);
  return dir;
}

/** The bound the operations guide promises for a first start on an empty data directory. */
const FIRST_START_HEALTHY_WITHIN_MS = 15_000;

/** Starts `npm start`'s command on dataDir and returns the server with the printed setup token. */
async function serveWithSetupLink(
  dataDir: string,
  readyTimeoutMs?: number,
): Promise<{ server: RunningServer; setupToken: string; setupUrl: string }> {
  const port = await freePort();
  const server = await startServe(processes, {
    dataDir,
    port,
    ...(readyTimeoutMs === undefined ? {} : { readyTimeoutMs }),
  });
  const match = await server.process.waitForStdout(SETUP_LINK_PATTERN, 30_000);
  return { server, setupUrl: match[1] ?? '', setupToken: match[2] ?? '' };
}

async function setupStatus(baseUrl: string): Promise<boolean> {
  const response = await fetch(`${baseUrl}/api/setup`);
  return setupStatusSchema.parse(await response.json()).isSetupDone;
}

async function setupRefusal(baseUrl: string, token: string): Promise<string | null> {
  try {
    await completeSetup(baseUrl, token);
    return null;
  } catch (error) {
    if (error instanceof ApiError) return error.code;
    throw error;
  }
}

describe('amtsbote serve (the npm start command)', () => {
  beforeAll(ensureCliBuilt, 240_000);
  afterEach(async () => {
    await processes.killAll();
    await Promise.all(dataDirs.splice(0).map(removeDir));
  });

  it('answers /healthz within 15 s and prints a one-time setup link on a fresh data directory; the link completes setup', async () => {
    const dataDir = await freshDataDir();
    const { server, setupToken, setupUrl } = await serveWithSetupLink(
      dataDir,
      FIRST_START_HEALTHY_WITHIN_MS,
    );
    expect(new URL(setupUrl).pathname).toBe('/setup');
    expect(await setupStatus(server.baseUrl)).toBe(false);

    const grant = await completeSetup(server.baseUrl, setupToken);
    expect(grant.user.role).toBe('admin');
    expect(grant.organization.slug).toBe(ORGANIZATION.slug);
    expect(await setupStatus(server.baseUrl)).toBe(true);
    expect(await setupRefusal(server.baseUrl, setupToken)).toBe('setup_already_done');

    const exit = await server.stop();
    expect(exit.code).toBe(0);
    expect(exit.stdout.match(new RegExp(SETUP_LINK_PATTERN.source, 'g'))).toHaveLength(1);
  }, 120_000);

  it('on SIGTERM closes open WebSockets with 1001, completes a request in flight and exits with 0', async () => {
    const dataDir = await freshDataDir();
    const { server, setupToken } = await serveWithSetupLink(dataDir);
    const grant = await completeSetup(server.baseUrl, setupToken);
    const session = await connectSession(server.wsUrl, grant.token);

    // A password login (argon2id with the production parameters) is the slowest request there is.
    const inFlight = fetch(`${server.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        organization: ORGANIZATION.slug,
        username: ADMIN.username,
        password: ADMIN.password,
        device: DEVICE,
      }),
    }).then(async (response) => ({ status: response.status, body: await response.text() }));
    // Once the server logged the request as incoming it has accepted it; only then stop it.
    // (The first login this server sees: setup used /api/setup.)
    await server.process.waitForStdout(
      /"(?:url|path)":"\/api\/auth\/login[?"][^\n]*"incoming request"/,
      10_000,
    );
    process.kill(server.process.pid, 'SIGTERM');

    const response = await within(inFlight, 10_000, 'the in-flight login response');
    expect(response.status).toBe(200);
    expect(loginResponseSchema.parse(JSON.parse(response.body)).status).toBe('authenticated');
    const closed = await within(session.closed, 10_000, 'the WebSocket close');
    expect(closed.code).toBe(WS_CLOSE.goingAway);
    const exit = await server.process.waitForExit(20_000);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.stdout).toContain('"signal":"SIGTERM"');
    expect(exit.stdout).toContain('amtsbote stopped');
  }, 120_000);

  it('stops just as gracefully on SIGINT (Ctrl-C in a terminal)', async () => {
    const { server } = await serveWithSetupLink(await freshDataDir());
    const exit = await server.stop('SIGINT');
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.stdout).toContain('"signal":"SIGINT"');
    expect(exit.stdout).toContain('amtsbote stopped');
  }, 120_000);

  it('keeps its data across a restart and prints no setup link once setup is done', async () => {
    const dataDir = await freshDataDir();
    const first = await serveWithSetupLink(dataDir);
    const grant = await completeSetup(first.server.baseUrl, first.setupToken);
    expect((await first.server.stop()).code).toBe(0);

    const second = await startServe(processes, { dataDir, port: await freePort() });
    // The session opened before the restart is still valid, and a fresh login works.
    const me = await new HttpApi({ baseUrl: second.baseUrl, token: grant.token }).me();
    expect(me.user.id).toBe(grant.user.id);
    const again = await login(second.baseUrl, ADMIN.username, ADMIN.password);
    expect(again.user.id).toBe(grant.user.id);
    expect(await setupStatus(second.baseUrl)).toBe(true);

    const exit = await second.stop();
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain('Amtsbote is running at');
    expect(exit.stdout).not.toMatch(SETUP_LINK_PATTERN);
  }, 180_000);

  it('prints a new setup link on a restart before setup, and the earlier link no longer works', async () => {
    const dataDir = await freshDataDir();
    const first = await serveWithSetupLink(dataDir);
    expect((await first.server.stop()).code).toBe(0);

    const second = await serveWithSetupLink(dataDir);
    expect(second.setupToken).not.toBe(first.setupToken);
    expect(await setupRefusal(second.server.baseUrl, first.setupToken)).toBe('setup_link_invalid');
    const grant = await completeSetup(second.server.baseUrl, second.setupToken);
    expect(grant.user.username).toBe(ADMIN.username);
    expect((await second.server.stop()).code).toBe(0);
  }, 180_000);
});

describe('npx amtsbote', () => {
  beforeAll(ensureCliBuilt, 240_000);
  afterEach(async () => {
    await processes.killAll();
  });

  it('prints the help with serve, migrate and admin when run from the repository root', async () => {
    const result = await processes.run(['--no-install', 'amtsbote', '--help'], {
      command: ['npx'],
      cwd: REPO_ROOT,
      timeoutMs: 60_000,
    });
    expect(result.code).toBe(0);
    const commands = [...result.stdout.matchAll(/^ {2}([a-z-]+)\b/gm)].map((m) => m[1]);
    expect(commands).toEqual(expect.arrayContaining(['serve', 'migrate', 'admin']));
  }, 90_000);
});
