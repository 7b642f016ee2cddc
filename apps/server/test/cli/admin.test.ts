import { existsSync } from 'node:fs';
import path from 'node:path';
import { createdInviteSchema, organizationViewSchema, userViewSchema } from '@amtsbote/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CliProcesses,
  ensureCliBuilt,
  freePort,
  makeTempDir,
  removeDir,
  startServe,
} from '../support/cli-process.js';
import { adminCli, visibleCommandLine } from './admin-cli.js';
import { login, loginRefusal } from './sessions.js';

const PUBLIC_URL = 'https://chat.stadt-a.example';
const ORG = 'stadt-a';

const processes = new CliProcesses();
let root: string;
const dataDir = (): string => path.join(root, 'data');
const cli = adminCli(processes, () => ({
  AMTSBOTE_DATA_DIR: dataDir(),
  AMTSBOTE_PUBLIC_URL: PUBLIC_URL,
}));

/** The commands open storage themselves here: no server runs, so there is no admin socket. */
describe('amtsbote admin without a running server', () => {
  beforeAll(async () => {
    await ensureCliBuilt();
    root = await makeTempDir();
    const created = organizationViewSchema.parse(
      await cli.json(['create-org', '--slug', ORG, '--name', 'Stadt A']),
    );
    expect(created.slug).toBe(ORG);
  }, 240_000);
  afterEach(async () => {
    await processes.killAll();
    expect(existsSync(path.join(dataDir(), 'admin.sock'))).toBe(false);
    expect(existsSync(path.join(dataDir(), 'pglite.lock'))).toBe(false);
  });
  afterAll(async () => {
    await removeDir(root);
  });

  it('creates an organization and lists it', async () => {
    const created = organizationViewSchema.parse(
      await cli.json(['create-org', '--slug', 'landkreis-b', '--name', 'Landkreis B']),
    );
    expect(created).toMatchObject({ slug: 'landkreis-b', name: 'Landkreis B' });
    expect(await cli.listOrgSlugs()).toEqual(expect.arrayContaining([ORG, 'landkreis-b']));
    const human = await cli.run(['list-orgs']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('landkreis-b\tLandkreis B\n');
  }, 120_000);

  it('creates a user whose password is read from stdin and never shows in argv or output', async () => {
    const password = 'Amtsstube-Kaffee-2024!';
    const proc = processes.spawn(
      [
        'admin',
        'create-user',
        '--org',
        ORG,
        '--username',
        'Anna.Schmidt',
        '--display-name',
        'Anna Schmidt',
        '--department',
        'Bürgeramt',
        '--admin',
        '--password-stdin',
        '--json',
      ],
      { env: { AMTSBOTE_DATA_DIR: dataDir() }, isStdinOpen: true },
    );
    // The command waits for stdin; meanwhile anyone on the machine can read its argv.
    const commandLine = await visibleCommandLine(proc.pid);
    expect(commandLine).toContain('--password-stdin');
    expect(commandLine).not.toContain(password);
    proc.child.stdin?.end(`${password}\n`);
    const result = await proc.waitForExit(90_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(password);
    const user = userViewSchema.parse(JSON.parse(result.stdout));
    expect(user).toMatchObject({
      username: 'Anna.Schmidt',
      displayName: 'Anna Schmidt',
      department: 'Bürgeramt',
      role: 'admin',
      status: 'active',
    });

    const listed = await cli.listUsers(ORG);
    expect(listed.find((u) => u.username === 'Anna.Schmidt')).toEqual(user);
  }, 120_000);

  it('prints a single-use invite link with the token after # as JSON', async () => {
    const invite = createdInviteSchema.parse(
      await cli.json(['invite', '--org', ORG, '--role', 'admin', '--expires-hours', '2']),
    );
    expect(invite.url).toMatch(/^https:\/\/chat\.stadt-a\.example\/invite#[A-Za-z0-9_-]{20,}$/);
    expect(invite.role).toBe('admin');
    expect(Date.parse(invite.expiresAt) - Date.parse(invite.createdAt)).toBe(2 * 3600_000);
    const other = createdInviteSchema.parse(await cli.json(['invite', '--org', ORG]));
    expect(other.url).not.toBe(invite.url);
  }, 120_000);

  it('refuses an unknown organization with organization_not_found and changes nothing', async () => {
    const orgsBefore = await cli.listOrgSlugs();
    const refusals = [
      await cli.refusal([
        'create-user',
        '--org',
        'gibt-es-nicht',
        '--username',
        'x1',
        '--display-name',
        'X',
      ]),
      await cli.refusal(['invite', '--org', 'gibt-es-nicht']),
      await cli.refusal(['list-users', '--org', 'gibt-es-nicht']),
    ];
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({ exitCode: 2, code: 'organization_not_found' });
    }
    expect(await cli.listOrgSlugs()).toEqual(orgsBefore);
  }, 180_000);

  it('refuses a username that differs only in case with username_taken and changes nothing', async () => {
    await cli.json([
      'create-user',
      '--org',
      ORG,
      '--username',
      'bernd.braun',
      '--display-name',
      'Bernd',
    ]);
    const before = await cli.listUsers(ORG);
    const refusal = await cli.refusal([
      'create-user',
      '--org',
      ORG,
      '--username',
      'Bernd.Braun',
      '--display-name',
      'Another Bernd',
    ]);
    expect(refusal).toMatchObject({ exitCode: 2, code: 'username_taken' });
    expect(await cli.listUsers(ORG)).toEqual(before);
  }, 180_000);

  it('refuses an invalid slug with invalid_request and changes nothing', async () => {
    const orgsBefore = await cli.listOrgSlugs();
    const usersBefore = await cli.listUsers(ORG);
    const badOrg = await cli.refusal(['create-org', '--slug', 'Stadt A', '--name', 'Stadt A']);
    expect(badOrg).toMatchObject({ exitCode: 2, code: 'invalid_request' });
    expect(badOrg.message).toContain('slug');
    const badUser = await cli.refusal([
      'create-user',
      '--org',
      ORG,
      '--username',
      'no spaces allowed',
      '--display-name',
      'X',
    ]);
    expect(badUser).toMatchObject({ exitCode: 2, code: 'invalid_request' });
    expect(badUser.message).toContain('username');
    expect(await cli.listOrgSlugs()).toEqual(orgsBefore);
    expect(await cli.listUsers(ORG)).toEqual(usersBefore);
  }, 180_000);

  it('refuses a password that is too short and creates no user', async () => {
    const before = await cli.listUsers(ORG);
    const result = await cli.run(
      [
        'create-user',
        '--org',
        ORG,
        '--username',
        'kurt',
        '--display-name',
        'Kurt',
        '--password-stdin',
      ],
      'kurz\n',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error (invalid_request): password');
    expect(result.stderr).not.toContain('kurz');
    expect(await cli.listUsers(ORG)).toEqual(before);
  }, 120_000);

  it('lets users log in over HTTP with their stdin password, except a user disabled on storage', async () => {
    await cli.json(
      [
        'create-user',
        '--org',
        ORG,
        '--username',
        'dora',
        '--display-name',
        'Dora',
        '--password-stdin',
      ],
      'Dora-Passwort-2024\n',
    );
    await cli.json(
      [
        'create-user',
        '--org',
        ORG,
        '--username',
        'erik',
        '--display-name',
        'Erik',
        '--password-stdin',
      ],
      'Erik-Passwort-2024\n',
    );
    const disabled = userViewSchema.parse(
      await cli.json(['disable-user', '--org', ORG, '--username', 'erik']),
    );
    expect(disabled.status).toBe('disabled');
    const users = await cli.listUsers(ORG);
    expect(users.find((u) => u.username === 'erik')?.status).toBe('disabled');
    expect(users.find((u) => u.username === 'dora')?.status).toBe('active');

    const server = await startServe(processes, { dataDir: dataDir(), port: await freePort() });
    const grant = await login(server.baseUrl, 'dora', 'Dora-Passwort-2024', ORG);
    expect(grant.user.username).toBe('dora');
    expect(await loginRefusal(server.baseUrl, 'erik', 'Erik-Passwort-2024', ORG)).toBe(
      'invalid_credentials',
    );
    expect(await loginRefusal(server.baseUrl, 'dora', 'Erik-Passwort-2024', ORG)).toBe(
      'invalid_credentials',
    );
    expect((await server.stop()).code).toBe(0);
  }, 240_000);
});
