import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { HttpApi } from '@amtsbote/client';
import {
  createdInviteSchema,
  userViewSchema,
  WS_CLOSE,
  type SessionGrant,
} from '@amtsbote/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  CliProcesses,
  ensureCliBuilt,
  freePort,
  makeTempDir,
  removeDir,
  startServe,
  within,
  type RunningServer,
} from '../support/cli-process.js';
import { adminCli } from './admin-cli.js';
import {
  ADMIN,
  completeSetup,
  connectSession,
  login,
  loginRefusal,
  ORGANIZATION,
  SETUP_LINK_PATTERN,
} from './sessions.js';

const ORG = ORGANIZATION.slug;

/** The server outlives the tests; each test's own CLI processes are killed after it. */
const serverProcesses = new CliProcesses();
const processes = new CliProcesses();
let root: string;
let server: RunningServer;
let adminGrant: SessionGrant;
const dataDir = (): string => path.join(root, 'data');
const cli = adminCli(processes, () => ({ AMTSBOTE_DATA_DIR: dataDir() }));

/** The pid at the start of the PGlite lock file: the process holding the embedded database. */
const lockOwnerPid = async (): Promise<number> =>
  Number.parseInt(await readFile(path.join(dataDir(), 'pglite.lock'), 'utf8'), 10);

/** Log lines the running server wrote for commands that reached it over the admin socket. */
const socketCommandsLogged = (): string[] =>
  server.process
    .stdout()
    .split('\n')
    .filter((line) => line.includes('"admin command over socket"'))
    .map((line) => /"command":"([a-z-]+)"/.exec(line)?.[1] ?? '?');

describe('amtsbote admin while the server runs on the same data directory', () => {
  beforeAll(async () => {
    await ensureCliBuilt();
    root = await makeTempDir();
    // The server creates the data directory itself, so its mode is the server's doing.
    server = await startServe(serverProcesses, { dataDir: dataDir(), port: await freePort() });
    const link = await server.process.waitForStdout(SETUP_LINK_PATTERN, 30_000);
    adminGrant = await completeSetup(server.baseUrl, link[2] ?? '');
  }, 240_000);
  afterEach(async () => {
    await processes.killAll();
  });
  afterAll(async () => {
    if (server !== undefined) expect((await server.stop()).code).toBe(0);
    await serverProcesses.killAll();
    await removeDir(root);
  }, 60_000);

  it('keeps the data directory at mode 0700 and the admin socket at 0600, owned by the server', async () => {
    expect((await stat(dataDir())).mode & 0o777).toBe(0o700);
    const socket = await stat(path.join(dataDir(), 'admin.sock'));
    expect(socket.isSocket()).toBe(true);
    expect(socket.mode & 0o777).toBe(0o600);
    expect(await lockOwnerPid()).toBe(server.process.pid);
  });

  it('runs admin commands over the socket, since the server holds the storage lock', async () => {
    const loggedBefore = socketCommandsLogged().length;
    const carla = userViewSchema.parse(
      await cli.json(
        [
          'create-user',
          '--org',
          ORG,
          '--username',
          'carla',
          '--display-name',
          'Carla Clausen',
          '--password-stdin',
        ],
        'Carla-Passwort-2024\n',
      ),
    );
    expect(carla).toMatchObject({ username: 'carla', role: 'member', status: 'active' });
    const users = await cli.listUsers(ORG);
    expect(users.map((u) => u.username)).toEqual(expect.arrayContaining([ADMIN.username, 'carla']));
    const invite = createdInviteSchema.parse(await cli.json(['invite', '--org', ORG]));
    expect(invite.url).toMatch(/\/invite#[A-Za-z0-9_-]{20,}$/);
    await cli.json(['create-org', '--slug', 'landkreis-c', '--name', 'Landkreis C']);
    expect((await cli.listOrgSlugs()).sort()).toEqual(['landkreis-c', ORG]);

    // The running server executed each command, and the stdin password took effect there.
    expect(socketCommandsLogged().slice(loggedBefore)).toEqual([
      'create-user',
      'list-users',
      'invite',
      'create-org',
      'list-orgs',
    ]);
    const grant = await login(server.baseUrl, 'carla', 'Carla-Passwort-2024');
    expect(grant.user.id).toBe(carla.id);
  }, 180_000);

  it("closes a user's open WebSocket with 4004 as soon as disable-user returns", async () => {
    await cli.json(
      [
        'create-user',
        '--org',
        ORG,
        '--username',
        'dirk',
        '--display-name',
        'Dirk',
        '--password-stdin',
      ],
      'Dirk-Passwort-2024\n',
    );
    const grant = await login(server.baseUrl, 'dirk', 'Dirk-Passwort-2024');
    const session = await connectSession(server.wsUrl, grant.token);
    const adminSession = await connectSession(server.wsUrl, adminGrant.token);

    const disabled = userViewSchema.parse(
      await cli.json(['disable-user', '--org', ORG, '--username', 'dirk']),
    );
    expect(disabled.status).toBe('disabled');
    // The server sends the close frame before it answers the command, so by the time the
    // command has exited the connection is closing; a periodic re-check would come later.
    expect(session.socket.readyState).not.toBe(WebSocket.OPEN);
    const closed = await within(session.closed, 5_000, "the disabled user's WebSocket close");
    expect(closed.code).toBe(WS_CLOSE.userDisabled);
    expect(adminSession.socket.readyState).toBe(WebSocket.OPEN);
    adminSession.socket.close();

    await expect(
      new HttpApi({ baseUrl: server.baseUrl, token: grant.token }).me(),
    ).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(await loginRefusal(server.baseUrl, 'dirk', 'Dirk-Passwort-2024')).toBe(
      'invalid_credentials',
    );

    const enabled = userViewSchema.parse(
      await cli.json(['enable-user', '--org', ORG, '--username', 'dirk']),
    );
    expect(enabled.status).toBe('active');
    expect((await login(server.baseUrl, 'dirk', 'Dirk-Passwort-2024')).user.id).toBe(grant.user.id);
  }, 180_000);

  it('answers refusals over the socket with the same codes and changes nothing', async () => {
    const before = await cli.listUsers(ORG);
    const loggedBefore = socketCommandsLogged().length;
    expect(await cli.refusal(['list-users', '--org', 'gibt-es-nicht'])).toMatchObject({
      exitCode: 2,
      code: 'organization_not_found',
    });
    expect(
      await cli.refusal([
        'create-user',
        '--org',
        ORG,
        '--username',
        ADMIN.username.toUpperCase(),
        '--display-name',
        'Zweiter Admin',
      ]),
    ).toMatchObject({ exitCode: 2, code: 'username_taken' });
    expect(
      await cli.refusal(['disable-user', '--org', ORG, '--username', ADMIN.username]),
    ).toMatchObject({ exitCode: 2, code: 'last_admin' });
    expect(await cli.refusal(['create-org', '--slug', '-bad-', '--name', 'Bad'])).toMatchObject({
      exitCode: 2,
      code: 'invalid_request',
    });
    // The invalid slug is refused by the CLI before anything is sent; the rest reached the server.
    expect(socketCommandsLogged().slice(loggedBefore)).toEqual([
      'list-users',
      'create-user',
      'disable-user',
    ]);
    expect(await cli.listUsers(ORG)).toEqual(before);
    expect(await loginRefusal(server.baseUrl, ADMIN.username, ADMIN.password)).toBeNull();
  }, 180_000);

  it('refuses a second serve on the same data directory and leaves the first one running', async () => {
    const second = processes.spawn(['serve'], {
      env: {
        AMTSBOTE_DATA_DIR: dataDir(),
        AMTSBOTE_HOST: '127.0.0.1',
        AMTSBOTE_PORT: String(await freePort()),
      },
    });
    const result = await second.waitForExit(60_000);
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toMatch(
      new RegExp(`data directory is in use by process ${server.process.pid}\\b`),
    );
    expect(result.stdout).not.toContain('Amtsbote is running');

    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
    expect(await lockOwnerPid()).toBe(server.process.pid);
    expect(await cli.listOrgSlugs()).toContain(ORG);
  }, 120_000);
});
