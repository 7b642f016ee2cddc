import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sessionGrantSchema, setupStatusSchema, type SetupRequest } from '@amtsbote/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { DEVICE, startTestServer, type TestServer } from '../support/test-server.js';
import {
  ORGANIZATION,
  PASSWORD,
  UNKNOWN_TOKEN,
  countRows,
  expectError,
  expectOk,
  listUsers,
  loginBody,
  rawRequest,
  tokenOfLink,
} from './helpers.js';

const SETUP_LINK_TTL_MS = 24 * 3600_000;

function setupBody(token: string, overrides: Partial<SetupRequest> = {}): SetupRequest {
  return {
    token,
    organization: ORGANIZATION,
    admin: { username: 'admin', displayName: 'Anna Admin', password: PASSWORD },
    device: DEVICE,
    ...overrides,
  };
}

async function isSetupDone(server: TestServer): Promise<boolean> {
  return expectOk(await rawRequest(server, '/api/setup'), 200, setupStatusSchema).isSetupDone;
}

async function countOrganizations(server: TestServer): Promise<number> {
  return countRows(server, 'organizations');
}

describe('first-start setup', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('prints a one-time link that carries its token in the fragment', () => {
    const link = server.handle.setupLink;
    expect(link).not.toBeNull();
    const url = new URL(link?.url ?? '');
    expect(url.pathname).toBe('/setup');
    expect(url.search).toBe('');
    expect(server.setupToken).toBe(tokenOfLink(url.toString()));
    expect(server.consoleLines).toContain(`  ${url.toString()}`);
  });

  it('reports that setup is not done before the first organization exists', async () => {
    expect(await isSetupDone(server)).toBe(false);
  });

  it('refuses a token that was never issued with 404 setup_link_invalid', async () => {
    const response = await rawRequest(server, '/api/setup', { body: setupBody(UNKNOWN_TOKEN) });
    expectError(response, 404, 'setup_link_invalid');
    expect(await isSetupDone(server)).toBe(false);
  });

  it('creates the organization and its administrator with a session from the printed link', async () => {
    const response = await rawRequest(server, '/api/setup', {
      body: setupBody(server.setupToken ?? ''),
    });
    const grant = expectOk(response, 201, sessionGrantSchema);
    expect(grant.organization).toMatchObject(ORGANIZATION);
    expect(grant.user).toMatchObject({ username: 'admin', role: 'admin', status: 'active' });
    expect(await isSetupDone(server)).toBe(true);
    const me = await server.api(grant.token).me();
    expect(me.user.id).toBe(grant.user.id);
  });

  it('refuses a replayed link with 409 setup_already_done and changes nothing', async () => {
    const login = await server.api().login(loginBody('admin'));
    if (login.status !== 'authenticated') throw new Error('expected a session');
    const usersBefore = await listUsers(server, login.token);

    const replay = await rawRequest(server, '/api/setup', {
      body: setupBody(server.setupToken ?? '', {
        organization: { slug: 'andere-stadt', name: 'Andere Stadt' },
        admin: { username: 'mallory', displayName: 'Mallory', password: 'another password' },
      }),
    });
    expectError(replay, 409, 'setup_already_done');
    const unknown = await rawRequest(server, '/api/setup', { body: setupBody(UNKNOWN_TOKEN) });
    expectError(unknown, 409, 'setup_already_done');

    expect(await countOrganizations(server)).toBe(1);
    expect(await listUsers(server, login.token)).toEqual(usersBefore);
    const intruder = await rawRequest(server, '/api/auth/login', {
      body: loginBody('mallory', 'another password', 'andere-stadt'),
    });
    expectError(intruder, 401, 'invalid_credentials');
  });
});

describe('setup link lifetime', () => {
  const clock = new ManualClock();
  let dataDir: string;
  let server: TestServer | null = null;
  let firstToken: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'amtsbote-setup-'));
    server = await startTestServer({ clock, dataDir });
    firstToken = server.setupToken ?? '';
  });
  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  function running(): TestServer {
    if (server === null) throw new Error('the server is not running');
    return server;
  }

  async function restart(): Promise<TestServer> {
    await server?.close();
    server = null;
    server = await startTestServer({ clock, dataDir });
    return server;
  }

  it('refuses an expired link with 410 setup_link_expired and creates no organization', async () => {
    const current = running();
    expect(firstToken).not.toBe('');
    clock.advance(SETUP_LINK_TTL_MS + 60_000);
    const response = await rawRequest(current, '/api/setup', { body: setupBody(firstToken) });
    expectError(response, 410, 'setup_link_expired');
    expect(await isSetupDone(current)).toBe(false);
    expect(await countOrganizations(current)).toBe(0);
  });

  it('makes a new link on restart and the old one stops working', async () => {
    const restarted = await restart();
    const newToken = restarted.setupToken ?? '';
    expect(newToken).not.toBe('');
    expect(newToken).not.toBe(firstToken);

    const old = await rawRequest(restarted, '/api/setup', { body: setupBody(firstToken) });
    expectError(old, 404, 'setup_link_invalid');
    expect(await countOrganizations(restarted)).toBe(0);

    const response = await rawRequest(restarted, '/api/setup', { body: setupBody(newToken) });
    expectOk(response, 201, sessionGrantSchema);
    expect(await isSetupDone(restarted)).toBe(true);
  });

  it('keeps the organization and prints no setup link after a restart', async () => {
    const restarted = await restart();
    expect(restarted.setupToken).toBeNull();
    expect(restarted.consoleLines.join('\n')).not.toContain('/setup#');
    expect(await isSetupDone(restarted)).toBe(true);
    const login = await restarted.api().login(loginBody('admin'));
    expect(login.status).toBe('authenticated');
    const replay = await rawRequest(restarted, '/api/setup', { body: setupBody(firstToken) });
    expectError(replay, 409, 'setup_already_done');
  });
});
