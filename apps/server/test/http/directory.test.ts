import {
  directoryPageSchema,
  userViewSchema,
  type DirectoryEntry,
  type SessionGrant,
} from '@amtsbote/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import {
  call,
  createOrganization,
  createUser,
  disableUserOverHttp,
  expectApiError,
  login,
} from '../sessions/identity-fixtures.js';
import { describeOnEachBackend } from '../support/backends.js';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';

/* GET /api/directory: every member (not only administrators) finds the active colleagues of
   their own organization, a bounded page at a time, and sees only id, username, name and
   department. */

const ORG = 'stadt-musterstadt';
const OTHER_ORG = 'landkreis-beispiel';
const PASSWORD = 'Passphrase fuer das Verzeichnis';
/** Exactly what a directory entry may show: no role, status or devices. */
const strictPageSchema = z.strictObject({
  users: z.array(
    z.strictObject({
      id: z.uuid(),
      username: z.string(),
      displayName: z.string(),
      department: z.string().nullable(),
    }),
  ),
  nextCursor: z.string().nullable(),
});
/** Departments set by the administrator in beforeAll. */
const DEPARTMENTS: Readonly<Record<string, string>> = {
  'anna.schmidt': 'Bürgeramt',
  'clara-berndt': 'Ordnungsamt_Nord',
  'frank.alt': 'Bürgeramt',
};

describeOnEachBackend('colleague directory', (backend) => {
  let server: TestServer;
  let member: SessionGrant;
  let adminToken: string;
  const names = ['anna.schmidt', 'bernd_mueller', 'clara-berndt', 'dora.weber'];

  const search = async (query: Record<string, string>, token = member.token) =>
    strictPageSchema.parse(
      await call(
        server,
        token,
        'GET',
        `/api/directory?${new URLSearchParams(query).toString()}`,
        directoryPageSchema,
      ),
    );
  const usernames = (users: readonly DirectoryEntry[]): string[] => users.map((u) => u.username);

  beforeAll(async () => {
    server = await startTestServer({ backend, authRateLimitPerMinute: 10_000 });
    adminToken = (await setupFirstOrganization(server)).token;
    const setDepartment = async (id: string, username: string): Promise<void> => {
      const department = DEPARTMENTS[username];
      if (department === undefined) return;
      await call(server, adminToken, 'PATCH', `/api/admin/users/${id}`, userViewSchema, {
        department,
      });
    };
    for (const username of names) {
      const user = await createUser(server, { org: ORG, username, password: PASSWORD });
      await setDepartment(user.id, username);
    }
    member = await login(server, { org: ORG, username: 'dora.weber', password: PASSWORD });
    const disabled = await createUser(server, {
      org: ORG,
      username: 'frank.alt',
      password: PASSWORD,
    });
    await setDepartment(disabled.id, 'frank.alt');
    await disableUserOverHttp(server, adminToken, disabled.id);
    await createOrganization(server, { slug: OTHER_ORG, name: 'Landkreis Beispiel' });
    await createUser(server, { org: OTHER_ORG, username: 'anna.fremd', password: PASSWORD });
  });
  afterAll(async () => {
    await server.close();
  });

  it("lists a member the organization's active users by username, with names only", async () => {
    const page = await search({});
    expect(usernames(page.users)).toEqual([
      'admin',
      'anna.schmidt',
      'bernd_mueller',
      'clara-berndt',
      'dora.weber',
    ]);
    expect(page.users.find((u) => u.username === 'anna.schmidt')).toMatchObject({
      displayName: 'Person anna.schmidt',
      department: 'Bürgeramt',
    });
    expect(page.users.find((u) => u.username === 'bernd_mueller')?.department).toBeNull();
    expect(page.nextCursor).toBeNull();
  });

  it('finds users by part of the username or display name, ignoring case', async () => {
    expect(usernames((await search({ query: 'BERND' })).users)).toEqual([
      'bernd_mueller',
      'clara-berndt',
    ]);
    expect(usernames((await search({ query: 'person dora' })).users)).toEqual(['dora.weber']);
    // "Anna Admin" by display name; anna.fremd of the other organization never.
    expect(usernames((await search({ query: 'anna' })).users)).toEqual(['admin', 'anna.schmidt']);
    // LIKE wildcards in the query are plain characters.
    expect((await search({ query: '%' })).users).toEqual([]);
    expect(usernames((await search({ query: 'd_m' })).users)).toEqual(['bernd_mueller']);
  });

  it('finds active users by part of their department, ignoring case', async () => {
    // frank.alt of the Bürgeramt is disabled and not found.
    expect(usernames((await search({ query: 'bürgeramt' })).users)).toEqual(['anna.schmidt']);
    expect(usernames((await search({ query: 'AMT' })).users)).toEqual([
      'anna.schmidt',
      'clara-berndt',
    ]);
    // % and _ in the text are plain characters in the department too ("Ordnungsamt" would
    // match g_a and amt%nord if they were wildcards).
    expect(usernames((await search({ query: 'amt_n' })).users)).toEqual(['clara-berndt']);
    expect((await search({ query: 'g_a' })).users).toEqual([]);
    expect((await search({ query: 'amt%nord' })).users).toEqual([]);
    // Paging still follows the username key when the department matches.
    const first = await search({ query: 'amt', limit: '1' });
    expect(usernames(first.users)).toEqual(['anna.schmidt']);
    expect(first.nextCursor).not.toBeNull();
    const second = await search({ query: 'amt', limit: '1', after: first.nextCursor ?? '' });
    expect(usernames(second.users)).toEqual(['clara-berndt']);
    expect(second.nextCursor).toBeNull();
  });

  it('pages through everyone without gaps or repeats', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const result = await search({ limit: '2', ...(after === null ? {} : { after }) });
      expect(result.users.length).toBeLessThanOrEqual(2);
      seen.push(...usernames(result.users));
      after = result.nextCursor;
      if (after === null) break;
    }
    expect(after).toBeNull();
    expect(seen).toEqual(usernames((await search({})).users));
  });

  it('refuses unbounded, malformed and anonymous requests', async () => {
    const get = (path: string, token: string | null = member.token) =>
      call(server, token, 'GET', path, directoryPageSchema);
    for (const path of [
      '/api/directory?limit=0',
      '/api/directory?limit=101',
      '/api/directory?limit=abc',
      `/api/directory?query=${'x'.repeat(101)}`,
      '/api/directory?role=admin',
    ]) {
      await expectApiError(get(path), { status: 400, code: 'invalid_request' });
    }
    await expectApiError(get('/api/directory', null), { status: 401, code: 'unauthenticated' });
  });

  it('answers administrators the same as members', async () => {
    expect(await search({ query: 'a' }, adminToken)).toEqual(await search({ query: 'a' }));
  });
});
