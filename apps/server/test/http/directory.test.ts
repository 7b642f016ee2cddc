import { directoryPageSchema, type DirectoryEntry, type SessionGrant } from '@amtsbote/protocol';
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
   their own organization, a bounded page at a time, and sees only id, username and name. */

const ORG = 'stadt-musterstadt';
const OTHER_ORG = 'landkreis-beispiel';
const PASSWORD = 'Passphrase fuer das Verzeichnis';
/** Exactly what a directory entry may show: no role, status, department or devices. */
const strictPageSchema = z.strictObject({
  users: z.array(z.strictObject({ id: z.uuid(), username: z.string(), displayName: z.string() })),
  nextCursor: z.string().nullable(),
});

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
    for (const username of names) {
      await createUser(server, { org: ORG, username, password: PASSWORD });
    }
    member = await login(server, { org: ORG, username: 'dora.weber', password: PASSWORD });
    const disabled = await createUser(server, {
      org: ORG,
      username: 'frank.alt',
      password: PASSWORD,
    });
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
    expect(page.users.find((u) => u.username === 'anna.schmidt')?.displayName).toBe(
      'Person anna.schmidt',
    );
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
