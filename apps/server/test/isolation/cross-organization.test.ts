import { randomBytes, randomUUID } from 'node:crypto';
import { base64urlEncode } from '@amtsbote/crypto';
import {
  CIPHERSUITES,
  conversationViewSchema,
  createdDeviceLinkSchema,
  deviceLinkStateSchema,
  directoryLookupResponseSchema,
  directoryPageSchema,
  deviceViewSchema,
  inviteInfoSchema,
  inviteViewSchema,
  passkeyViewSchema,
  transferListSchema,
  transferSchema,
  userViewSchema,
  type CreatedInvite,
  type SessionGrant,
  type UserView,
} from '@amtsbote/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { uploadBytes } from '../files/tus-requests.js';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import {
  call,
  createInvite,
  createOrganization,
  createUser,
  disableUserOverHttp,
  expectApiError,
  inviteToken,
  rejectionOf,
  listMySessions,
  login,
  type HttpMethod,
} from '../sessions/identity-fixtures.js';

const ORG_A = 'stadt-musterstadt';
const ORG_B = 'landkreis-beispiel';
/** setupFirstOrganization's administrator: username "admin" with this password. */
const ADMIN_A_PASSWORD = 'correct horse battery staple';
const ADMIN_B_PASSWORD = 'ganz andere Passphrase B';
const MEMBER_A_PASSWORD = 'Erikas geheime Passphrase';

/** A route that takes an id, called by B's administrator with an id that belongs to A. */
interface ForeignIdCase {
  readonly method: HttpMethod;
  /** The path as the OpenAPI document names it. */
  readonly path: string;
  readonly foreignId: () => string;
  readonly body?: unknown;
}

/* What organization A holds; filled in beforeAll. */
let adminA: SessionGrant;
let memberA: SessionGrant;
let disabledA: UserView;
let openInviteA: CreatedInvite;
let passkeyIdA: string;
let conversationA: string;
let deviceLinkA: string;
let fileA: string;
let transferA: string;

const FOREIGN_ID_CASES: readonly ForeignIdCase[] = [
  {
    method: 'PATCH',
    path: '/api/admin/users/{id}',
    foreignId: () => memberA.user.id,
    body: { displayName: 'Übernommen', role: 'admin' },
  },
  { method: 'POST', path: '/api/admin/users/{id}/disable', foreignId: () => memberA.user.id },
  { method: 'POST', path: '/api/admin/users/{id}/enable', foreignId: () => disabledA.id },
  { method: 'GET', path: '/api/admin/users/{id}/devices', foreignId: () => memberA.user.id },
  { method: 'POST', path: '/api/admin/devices/{id}/revoke', foreignId: () => memberA.device.id },
  { method: 'DELETE', path: '/api/admin/invites/{id}', foreignId: () => openInviteA.id },
  { method: 'DELETE', path: '/api/me/sessions/{id}', foreignId: () => memberA.sessionId },
  { method: 'POST', path: '/api/me/devices/{id}/revoke', foreignId: () => memberA.device.id },
  { method: 'DELETE', path: '/api/me/passkeys/{id}', foreignId: () => passkeyIdA },
  { method: 'GET', path: '/api/users/{id}/identity', foreignId: () => memberA.user.id },
  { method: 'GET', path: '/api/conversations/{id}', foreignId: () => conversationA },
  { method: 'GET', path: '/api/conversations/{id}/group-info', foreignId: () => conversationA },
  {
    method: 'POST',
    path: '/api/conversations/{id}/members',
    foreignId: () => conversationA,
    body: { add: [], remove: [] },
  },
  {
    method: 'POST',
    path: '/api/conversations/{id}/leave',
    foreignId: () => conversationA,
    body: {},
  },
  {
    method: 'POST',
    path: '/api/conversations/{id}/commits',
    foreignId: () => conversationA,
    body: { epoch: 0, commit: 'AAAA' },
  },
  {
    method: 'POST',
    path: '/api/conversations/{id}/external-commits',
    foreignId: () => conversationA,
    body: { epoch: 0, commit: 'AAAA' },
  },
  {
    method: 'POST',
    path: '/api/conversations/{id}/messages',
    foreignId: () => conversationA,
    body: { messageId: randomUUID(), epoch: 0, ciphertext: 'AAAA' },
  },
  { method: 'GET', path: '/api/me/history/{id}', foreignId: () => conversationA },
  { method: 'GET', path: '/api/me/device-links/{id}', foreignId: () => deviceLinkA },
  {
    method: 'POST',
    path: '/api/me/device-links/{id}/approve',
    foreignId: () => deviceLinkA,
    body: { sealedSecrets: 'AAAA', confirmation: base64urlEncode(new Uint8Array(32)) },
  },
  { method: 'GET', path: '/api/files/{id}', foreignId: () => fileA },
  // Answered without a body: both refusals must still be alike.
  { method: 'HEAD', path: '/api/files/{id}', foreignId: () => fileA },
  { method: 'DELETE', path: '/api/files/{id}', foreignId: () => fileA },
  { method: 'DELETE', path: '/api/transfers/{id}', foreignId: () => transferA },
  {
    method: 'PUT',
    path: '/api/me/history/{id}/blocks/{block}',
    foreignId: () => conversationA,
    body: { ciphertext: 'AAAA' },
  },
];

/**
 * A transfer's routes for its recipients: not bound to any organization or session, but to the
 * link's access token or a download's ticket (tested below and in test/client/transfers.test.ts).
 */
const TOKEN_ROUTES_WITH_ID = [
  'POST /api/transfers/{id}/open',
  'POST /api/transfers/{id}/downloads',
  'GET /api/transfers/{id}/content',
  'HEAD /api/transfers/{id}/content',
];

/**
 * Web pages with a path parameter: the same static page for every id, no data (the transfer
 * download page reads its transfer through the token routes above).
 */
const PAGE_ROUTES_WITH_ID = ['GET /t/{id}'];

/** Routes on organization data that take no id; each has its own test below. */
const ORGANIZATION_ROUTES_WITHOUT_ID = [
  'GET /api/admin/users',
  'GET /api/admin/invites',
  'POST /api/admin/invites',
  // Covered by test/http/policy.test.ts: each organization's policy is its own.
  'GET /api/admin/policy',
  'PUT /api/admin/policy',
];

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
const openApiSchema = z.object({
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
});

/**
 * Every "METHOD /path" the router holds, read from Fastify's route tree printout. Unlike the
 * OpenAPI document this includes routes hidden from it. HEAD routes are Fastify's automatic twins.
 */
function routesOfPrintout(printout: string): string[] {
  const prefixes: string[] = [];
  const routes: string[] = [];
  for (const line of printout.split('\n')) {
    const match = /^([│├└─\s]*)(\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (match === null) continue;
    const depth = (match[1] ?? '').length / 4;
    const path = (prefixes[depth - 1] ?? '') + (match[2] ?? '');
    prefixes[depth] = path;
    for (const method of (match[3] ?? '').split(', ')) {
      if (method !== '' && method !== 'HEAD') routes.push(`${method} ${path}`);
    }
  }
  return routes;
}

describe('organization isolation', () => {
  let server: TestServer;
  let adminB: SessionGrant;
  let inviteB: CreatedInvite;

  beforeAll(async () => {
    // Every case reads all of A twice: more requests than the default per-minute limit.
    server = await startTestServer({ rateLimitPerMinute: 100_000 });
    adminA = await setupFirstOrganization(server);
    const memberInvite = await createInvite(server, adminA.token);
    memberA = await server.api().acceptInvite({
      token: inviteToken(memberInvite),
      username: 'erika.muster',
      displayName: 'Erika Muster',
      password: MEMBER_A_PASSWORD,
      device: { name: 'Erikas Laptop', platform: 'web', kind: 'managed' },
    });
    openInviteA = await createInvite(server, adminA.token);
    disabledA = await createUser(server, {
      org: ORG_A,
      username: 'max.ruhestand',
      password: 'Max ist im Ruhestand',
    });
    await disableUserOverHttp(server, adminA.token, disabledA.id);
    // Registering a passkey needs an authenticator's signed attestation; the routes under test
    // only look passkeys up by id, so the row is written directly.
    passkeyIdA = randomUUID();
    await server.handle.storage.db
      .insertInto('passkeys')
      .values({
        id: passkeyIdA,
        organization_id: memberA.organization.id,
        user_id: memberA.user.id,
        credential_id: base64urlEncode(randomBytes(32)),
        public_key: base64urlEncode(randomBytes(77)),
        sign_count: 0,
        transports: 'usb',
        name: 'Erikas Sicherheitsschlüssel',
        created_at: new Date(),
        last_used_at: null,
      })
      .execute();

    conversationA = randomUUID();
    await call(server, memberA.token, 'POST', '/api/conversations', z.unknown(), {
      conversationId: conversationA,
      kind: 'group',
      ciphersuite: CIPHERSUITES.xwing,
      memberUserIds: [adminA.user.id],
    });

    deviceLinkA = (
      await call(server, memberA.token, 'POST', '/api/me/device-links', createdDeviceLinkSchema, {
        publicKey: base64urlEncode(randomBytes(1216)),
        codeTag: base64urlEncode(randomBytes(32)),
        qrTag: base64urlEncode(randomBytes(32)),
      })
    ).id;

    fileA = await uploadBytes(server.baseUrl, memberA.token, conversationA, randomBytes(64));
    transferA = (
      await call(server, memberA.token, 'POST', '/api/transfers', transferSchema, {
        fileId: fileA,
        expiresInSeconds: 3600,
        passwordProtected: false,
        accessHash: base64urlEncode(randomBytes(32)),
        wrappedKey: base64urlEncode(randomBytes(60)),
        sealedMetadata: base64urlEncode(randomBytes(100)),
      })
    ).id;

    await createOrganization(server, { slug: ORG_B, name: 'Landkreis Beispiel' });
    await createUser(server, {
      org: ORG_B,
      username: 'admin',
      password: ADMIN_B_PASSWORD,
      role: 'admin',
    });
    adminB = await login(server, { org: ORG_B, username: 'admin', password: ADMIN_B_PASSWORD });
    inviteB = await createInvite(server, adminB.token);
  });
  afterAll(async () => {
    await server.close();
  });

  /** Everything of A that B might touch, read by A's own people. */
  async function snapshotOfA(): Promise<unknown> {
    const users = (
      await call(
        server,
        adminA.token,
        'GET',
        '/api/admin/users',
        z.object({ users: z.array(userViewSchema) }),
      )
    ).users;
    const devicesByUser = await Promise.all(
      users.map(async (user) => ({
        userId: user.id,
        devices: (
          await call(
            server,
            adminA.token,
            'GET',
            `/api/admin/users/${user.id}/devices`,
            z.object({ devices: z.array(deviceViewSchema) }),
          )
        ).devices,
      })),
    );
    const invites = (
      await call(
        server,
        adminA.token,
        'GET',
        '/api/admin/invites',
        z.object({ invites: z.array(inviteViewSchema) }),
      )
    ).invites;
    const memberSessions = await listMySessions(server, memberA.token);
    const conversation = await call(
      server,
      memberA.token,
      'GET',
      `/api/conversations/${conversationA}`,
      conversationViewSchema,
    );
    const memberPasskeys = (
      await call(
        server,
        memberA.token,
        'GET',
        '/api/me/passkeys',
        z.object({ passkeys: z.array(passkeyViewSchema) }),
      )
    ).passkeys;
    const deviceLink = await call(
      server,
      memberA.token,
      'GET',
      `/api/me/device-links/${deviceLinkA}`,
      deviceLinkStateSchema,
    );
    const file = await fetch(`${server.baseUrl}/api/files/${fileA}`, {
      headers: { authorization: `Bearer ${memberA.token}` },
    });
    const fileBytes = Buffer.from(await file.arrayBuffer()).toString('base64');
    const transfers = await call(
      server,
      memberA.token,
      'GET',
      '/api/transfers',
      transferListSchema,
    );
    return {
      transfers,
      users,
      devicesByUser,
      invites,
      memberSessions,
      memberPasskeys,
      conversation,
      deviceLink,
      file: { status: file.status, fileBytes },
    };
  }

  it('covers every route that takes an id, as the running server lists them', async () => {
    const doc = await call(server, null, 'GET', '/api/openapi.json', openApiSchema);
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => HTTP_METHODS.has(method))
        .map((method) => ({ path, name: `${method.toUpperCase()} ${path}` })),
    );
    const withId = operations.filter((o) => o.path.includes('{')).map((o) => o.name);
    expect(new Set(withId)).toEqual(
      new Set([...FOREIGN_ID_CASES.map((c) => `${c.method} ${c.path}`), ...TOKEN_ROUTES_WITH_ID]),
    );
    const adminWithoutId = operations
      .filter((o) => o.path.startsWith('/api/admin/') && !o.path.includes('{'))
      .map((o) => o.name);
    expect(new Set(adminWithoutId)).toEqual(new Set(ORGANIZATION_ROUTES_WITHOUT_ID));
  });

  it('covers every route with a path parameter in the router, hidden ones included', () => {
    const routes = routesOfPrintout(server.handle.app.printRoutes({ commonPrefix: false }));
    expect(routes).toContain('GET /api/admin/users');
    expect(routes).toContain('GET /metrics');
    const withParameter = routes
      .filter((r) => r.includes('/:'))
      .map((r) => r.replace(/\/:([A-Za-z]+)/g, '/{$1}'));
    // The printout shows HEAD routes as GET's twins, which routesOfPrintout leaves out.
    expect(new Set(withParameter)).toEqual(
      new Set([
        ...FOREIGN_ID_CASES.filter((c) => c.method !== 'HEAD').map((c) => `${c.method} ${c.path}`),
        ...TOKEN_ROUTES_WITH_ID.filter((r) => !r.startsWith('HEAD')),
        ...PAGE_ROUTES_WITH_ID,
      ]),
    );
  });

  it.each(FOREIGN_ID_CASES.map((c) => [`${c.method} ${c.path}`, c] as const))(
    'answers %s from B with an id of A exactly as with an unknown id, and A stays unchanged',
    async (_route, { method, path, foreignId, body }) => {
      const before = await snapshotOfA();
      const request = (id: string): Promise<unknown> =>
        call(
          server,
          adminB.token,
          method,
          path.replace('{id}', id).replace('{block}', '0'),
          z.unknown(),
          body,
        );

      const unknown = await rejectionOf(request(randomUUID()));
      const foreign = await rejectionOf(request(foreignId()));

      expect(unknown.status).toBe(404);
      expect({ status: foreign.status, code: foreign.code, message: foreign.message }).toEqual({
        status: unknown.status,
        code: unknown.code,
        message: unknown.message,
      });
      expect(await snapshotOfA()).toEqual(before);
    },
  );

  it("gives no session, of B or of A, a way into a transfer's recipient routes", async () => {
    const before = await snapshotOfA();
    for (const token of [adminB.token, memberA.token]) {
      const content = await fetch(`${server.baseUrl}/api/transfers/${transferA}/content`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(content.status).toBe(404);
      for (const action of ['open', 'downloads']) {
        const response = await fetch(`${server.baseUrl}/api/transfers/${transferA}/${action}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({}),
        });
        expect(response.status).toBe(400);
      }
    }
    expect(await snapshotOfA()).toEqual(before);
  });

  it("lists only B's own users to B's administrator", async () => {
    const schema = z.object({ users: z.array(userViewSchema) });
    const seenByB = (await call(server, adminB.token, 'GET', '/api/admin/users', schema)).users;
    expect(seenByB.map((u) => u.username)).toEqual(['admin']);
    expect(seenByB.map((u) => u.id)).toEqual([adminB.user.id]);
    const searched = await call(server, adminB.token, 'GET', '/api/admin/users?q=erika', schema);
    expect(searched.users).toEqual([]);
    const seenByA = (await call(server, adminA.token, 'GET', '/api/admin/users', schema)).users;
    expect(seenByA.map((u) => u.id)).not.toContain(adminB.user.id);
  });

  it("shows B's members none of A's users in the directory, by name or by id", async () => {
    const before = await snapshotOfA();
    const lookup = (token: string, userIds: readonly string[]) =>
      call(server, token, 'POST', '/api/directory/lookup', directoryLookupResponseSchema, {
        userIds,
      });
    // A's ids, disabled user included, are answered by B exactly as unknown ids are.
    const idsOfA = [adminA.user.id, memberA.user.id, disabledA.id];
    expect(await lookup(adminB.token, idsOfA)).toEqual({ users: [] });
    expect(await lookup(adminB.token, [randomUUID()])).toEqual({ users: [] });
    expect(
      (await lookup(adminB.token, [...idsOfA, adminB.user.id])).users.map((u) => u.id),
    ).toEqual([adminB.user.id]);
    expect((await lookup(memberA.token, idsOfA)).users.map((u) => u.id).sort()).toEqual(
      [...idsOfA].sort(),
    );
    const searched = await call(
      server,
      adminB.token,
      'GET',
      '/api/directory?query=erika',
      directoryPageSchema,
    );
    expect(searched.users).toEqual([]);
    expect(await snapshotOfA()).toEqual(before);
  });

  it("lists only B's own invites to B's administrator, and B's invites lead into B", async () => {
    const schema = z.object({ invites: z.array(inviteViewSchema) });
    const seenByB = (await call(server, adminB.token, 'GET', '/api/admin/invites', schema)).invites;
    expect(seenByB.map((i) => i.id)).toEqual([inviteB.id]);
    const seenByA = (await call(server, adminA.token, 'GET', '/api/admin/invites', schema)).invites;
    expect(seenByA.map((i) => i.id)).toContain(openInviteA.id);
    expect(seenByA.map((i) => i.id)).not.toContain(inviteB.id);
    const info = await call(server, null, 'POST', '/api/invites/inspect', inviteInfoSchema, {
      token: inviteToken(inviteB),
    });
    expect(info.organization.slug).toBe(ORG_B);
  });

  it('refuses a login at B with the username and password of a user who exists only in A', async () => {
    await expectApiError(
      login(server, { org: ORG_B, username: 'erika.muster', password: MEMBER_A_PASSWORD }),
      { status: 401, code: 'invalid_credentials' },
    );
  });

  it('keeps users of the same name in both organizations apart', async () => {
    const atA = await login(server, { org: ORG_A, username: 'admin', password: ADMIN_A_PASSWORD });
    const atB = await login(server, { org: ORG_B, username: 'admin', password: ADMIN_B_PASSWORD });
    expect([atA.organization.slug, atA.user.id]).toEqual([ORG_A, adminA.user.id]);
    expect([atB.organization.slug, atB.user.id]).toEqual([ORG_B, adminB.user.id]);
    expect(atA.user.id).not.toBe(atB.user.id);
    await expectApiError(
      login(server, { org: ORG_B, username: 'admin', password: ADMIN_A_PASSWORD }),
      { status: 401, code: 'invalid_credentials' },
    );
    // Each session acts in its own organization only.
    expect((await server.api(atB.token).me()).organization.slug).toBe(ORG_B);
    expect((await server.api(atA.token).me()).organization.slug).toBe(ORG_A);
  });
});
