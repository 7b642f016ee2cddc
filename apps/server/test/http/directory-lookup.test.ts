import { randomUUID } from 'node:crypto';
import {
  MAX_DIRECTORY_LOOKUP_IDS,
  directoryLookupResponseSchema,
  userViewSchema,
  type DirectoryLookupEntry,
  type SessionGrant,
  type UserView,
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
import { dumpDatabase } from '../support/database-dump.js';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import { expectError, rawRequest } from './helpers.js';

/* POST /api/directory/lookup: a member names the users behind ids seen in conversations.
   Colleagues of the own organization are found, disabled ones too; anything else is absent,
   exactly like an id that does not exist. */

const ORG = 'stadt-musterstadt';
const OTHER_ORG = 'landkreis-beispiel';
const PASSWORD = 'Passphrase fuer die Namenssuche';
const PATH = '/api/directory/lookup';
/** Exactly what a looked-up entry may show: no role, status beyond isActive, or devices. */
const strictLookupSchema = z.strictObject({
  users: z.array(
    z.strictObject({
      id: z.uuid(),
      username: z.string(),
      displayName: z.string(),
      department: z.string().nullable(),
      isActive: z.boolean(),
    }),
  ),
});

describeOnEachBackend('colleague lookup by id', (backend) => {
  let server: TestServer;
  let adminToken: string;
  let member: SessionGrant;
  let anna: UserView;
  let former: UserView;
  let foreigner: SessionGrant;

  const lookup = async (
    userIds: readonly string[],
    token = member.token,
  ): Promise<DirectoryLookupEntry[]> =>
    strictLookupSchema.parse(
      await call(server, token, 'POST', PATH, directoryLookupResponseSchema, { userIds }),
    ).users;
  const usernames = (users: readonly DirectoryLookupEntry[]): string[] =>
    users.map((u) => u.username);

  beforeAll(async () => {
    server = await startTestServer({ backend, authRateLimitPerMinute: 10_000 });
    adminToken = (await setupFirstOrganization(server)).token;
    anna = await createUser(server, { org: ORG, username: 'anna.schmidt', password: PASSWORD });
    await call(server, adminToken, 'PATCH', `/api/admin/users/${anna.id}`, userViewSchema, {
      department: 'Bürgeramt',
    });
    await createUser(server, { org: ORG, username: 'dora.weber', password: PASSWORD });
    member = await login(server, { org: ORG, username: 'dora.weber', password: PASSWORD });
    former = await createUser(server, { org: ORG, username: 'frank.alt', password: PASSWORD });
    await disableUserOverHttp(server, adminToken, former.id);
    await createOrganization(server, { slug: OTHER_ORG, name: 'Landkreis Beispiel' });
    await createUser(server, { org: OTHER_ORG, username: 'olga.fremd', password: PASSWORD });
    foreigner = await login(server, { org: OTHER_ORG, username: 'olga.fremd', password: PASSWORD });
  });
  afterAll(async () => {
    await server.close();
  });

  it('names colleagues of the own organization, disabled ones marked inactive', async () => {
    const found = await lookup([former.id, anna.id, member.user.id]);
    expect(found).toEqual([
      {
        id: anna.id,
        username: 'anna.schmidt',
        displayName: 'Person anna.schmidt',
        department: 'Bürgeramt',
        isActive: true,
      },
      {
        id: member.user.id,
        username: 'dora.weber',
        displayName: 'Person dora.weber',
        department: null,
        isActive: true,
      },
      {
        id: former.id,
        username: 'frank.alt',
        displayName: 'Person frank.alt',
        department: null,
        isActive: false,
      },
    ]);
    // A uuid is the same id in capitals.
    expect(usernames(await lookup([anna.id.toUpperCase()]))).toEqual(['anna.schmidt']);
  });

  it("leaves out unknown ids and other organizations' users, as if they did not exist", async () => {
    expect(usernames(await lookup([randomUUID(), anna.id, foreigner.user.id]))).toEqual([
      'anna.schmidt',
    ]);
    expect(await lookup([foreigner.user.id])).toEqual([]);
    expect(await lookup([randomUUID()])).toEqual([]);
    // And the other way round: the foreign organization finds none of ours.
    expect(await lookup([anna.id, former.id, member.user.id], foreigner.token)).toEqual([]);
    expect(usernames(await lookup([foreigner.user.id], foreigner.token))).toEqual(['olga.fremd']);
  });

  it('takes up to MAX_DIRECTORY_LOOKUP_IDS ids in one request', async () => {
    const ids = Array.from({ length: MAX_DIRECTORY_LOOKUP_IDS - 1 }, () => randomUUID());
    expect(usernames(await lookup([...ids, anna.id]))).toEqual(['anna.schmidt']);
  });

  it('answers administrators the same as members', async () => {
    const ids = [anna.id, former.id, member.user.id];
    expect(await lookup(ids, adminToken)).toEqual(await lookup(ids));
  });

  it('refuses unbounded and malformed lists with 400 naming the field, changing nothing', async () => {
    const before = (await dumpDatabase(server)).sort();
    const tooMany = Array.from({ length: MAX_DIRECTORY_LOOKUP_IDS + 1 }, () => randomUUID());
    for (const [body, field] of [
      [{ userIds: tooMany }, { path: 'body.userIds', code: 'too_big' }],
      [{ userIds: [] }, { path: 'body.userIds', code: 'too_small' }],
      [{ userIds: [anna.id, 'not-a-uuid'] }, { path: 'body.userIds.1', code: 'invalid_format' }],
      [{ userIds: [anna.id, "' or 1=1 --"] }, { path: 'body.userIds.1', code: 'invalid_format' }],
      [{ userIds: [anna.id, anna.id] }, { path: 'body.userIds', code: 'custom' }],
      [{ userIds: [anna.id, anna.id.toUpperCase()] }, { path: 'body.userIds', code: 'custom' }],
      [{ userIds: anna.id }, { path: 'body.userIds', code: 'invalid_type' }],
      [{}, { path: 'body.userIds', code: 'invalid_type' }],
      [
        { userIds: [anna.id], role: 'admin' },
        { path: 'body.role', code: 'unknown_field' },
      ],
    ] as const) {
      const response = await rawRequest(server, PATH, { token: member.token, body });
      const error = expectError(response, 400, 'invalid_request');
      expect(error.fields?.map(({ path, code }) => ({ path, code }))).toEqual([field]);
    }
    expect((await dumpDatabase(server)).sort()).toEqual(before);
  });

  it('refuses anonymous requests and unknown sessions', async () => {
    for (const token of [null, 'x'.repeat(43)]) {
      await expectApiError(
        call(server, token, 'POST', PATH, directoryLookupResponseSchema, { userIds: [anna.id] }),
        { status: 401, code: 'unauthenticated' },
      );
    }
  });
});
