import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BODY_LIMIT_BYTES } from '../../src/http/app.js';
import {
  DEVICE,
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import {
  PASSWORD,
  UNKNOWN_TOKEN,
  countRows,
  createInvite,
  createUserViaInvite,
  expectError,
  listInvites,
  listUsers,
  loginBody,
  rawRequest,
  tokenOfLink,
  type RawRequest,
} from './helpers.js';

type Body = Record<string, unknown>;

interface RouteCase {
  readonly name: string;
  readonly method: 'POST' | 'PATCH';
  readonly path: () => string;
  /** Sent with the administrator's session: admin routes, and routes for any member. */
  readonly isSignedIn: boolean;
  /** A body the route accepts (not sent as is: some would change data). */
  readonly valid: () => Body;
  readonly wrongType: { readonly body: () => Body; readonly path: string };
  readonly missingField: string | null;
}

let server: TestServer;
let adminToken: string;
let memberId: string;
let inviteToken: string;

const ROUTES: readonly RouteCase[] = [
  {
    name: 'POST /api/auth/login',
    method: 'POST',
    path: () => '/api/auth/login',
    isSignedIn: false,
    valid: () => loginBody('admin'),
    wrongType: { body: () => ({ ...loginBody('admin'), username: 42 }), path: 'body.username' },
    missingField: 'password',
  },
  {
    name: 'POST /api/setup',
    method: 'POST',
    path: () => '/api/setup',
    isSignedIn: false,
    valid: () => ({
      token: UNKNOWN_TOKEN,
      organization: { slug: 'zweite-stadt', name: 'Zweite Stadt' },
      admin: { username: 'admin2', displayName: 'Zweiter Admin', password: PASSWORD },
      device: DEVICE,
    }),
    wrongType: {
      body: () => ({
        token: UNKNOWN_TOKEN,
        organization: { slug: 42, name: 'Zweite Stadt' },
        admin: { username: 'admin2', displayName: 'Zweiter Admin', password: PASSWORD },
        device: DEVICE,
      }),
      path: 'body.organization.slug',
    },
    missingField: 'admin',
  },
  {
    name: 'POST /api/invites/accept',
    method: 'POST',
    path: () => '/api/invites/accept',
    isSignedIn: false,
    valid: () => ({
      token: inviteToken,
      username: 'newcomer',
      displayName: 'New Comer',
      password: PASSWORD,
      device: DEVICE,
    }),
    wrongType: {
      body: () => ({
        token: inviteToken,
        username: 'newcomer',
        displayName: 'New Comer',
        password: 1234567890123,
        device: DEVICE,
      }),
      path: 'body.password',
    },
    missingField: 'token',
  },
  {
    name: 'POST /api/admin/invites',
    method: 'POST',
    path: () => '/api/admin/invites',
    isSignedIn: true,
    valid: () => ({ role: 'member', expiresInHours: 24 }),
    wrongType: {
      body: () => ({ role: 'member', expiresInHours: '24' }),
      path: 'body.expiresInHours',
    },
    missingField: null,
  },
  {
    name: 'PATCH /api/admin/users/:id',
    method: 'PATCH',
    path: () => `/api/admin/users/${memberId}`,
    isSignedIn: true,
    valid: () => ({ displayName: 'Renamed', role: 'admin' }),
    wrongType: { body: () => ({ displayName: 5 }), path: 'body.displayName' },
    missingField: null,
  },
  {
    name: 'POST /api/directory/lookup',
    method: 'POST',
    path: () => '/api/directory/lookup',
    isSignedIn: true,
    valid: () => ({ userIds: [memberId] }),
    wrongType: { body: () => ({ userIds: memberId }), path: 'body.userIds' },
    missingField: 'userIds',
  },
];

/** Everything a request to these routes could change, read back after each bad request. */
async function snapshot(): Promise<unknown> {
  const count = (table: 'organizations' | 'users' | 'devices' | 'sessions' | 'invites') =>
    countRows(server, table);
  return {
    users: await listUsers(server, adminToken),
    invites: await listInvites(server, adminToken),
    rows: {
      organizations: await count('organizations'),
      users: await count('users'),
      devices: await count('devices'),
      sessions: await count('sessions'),
      invites: await count('invites'),
    },
  };
}

/** Runs the bad requests and checks afterwards that nothing was stored or changed. */
async function changingNothing(requests: () => Promise<void>): Promise<void> {
  const before = await snapshot();
  await requests();
  expect(await snapshot()).toEqual(before);
}

beforeAll(async () => {
  server = await startTestServer();
  adminToken = (await setupFirstOrganization(server)).token;
  memberId = (await createUserViaInvite(server, adminToken, 'maria')).user.id;
  inviteToken = tokenOfLink((await createInvite(server, adminToken)).url);
});
afterAll(async () => {
  await server.close();
});

describe.each(ROUTES)('$name with bad input', (route) => {
  const send = (request: RawRequest): ReturnType<typeof rawRequest> =>
    rawRequest(server, route.path(), {
      method: route.method,
      token: route.isSignedIn ? adminToken : null,
      ...request,
    });

  it('answers malformed JSON with 400 malformed_json', async () => {
    await changingNothing(async () => {
      const valid = JSON.stringify(route.valid());
      expectError(await send({ rawBody: valid.slice(0, -1) }), 400, 'malformed_json');
      expectError(await send({ rawBody: `${valid}}` }), 400, 'malformed_json');
      expectError(await send({ rawBody: '' }), 400, 'malformed_json');
    });
  });

  it('answers a body over the limit with 413 body_too_large', async () => {
    await changingNothing(async () => {
      const padding = 'a'.repeat(DEFAULT_BODY_LIMIT_BYTES);
      const rawBody = JSON.stringify({ ...route.valid(), padding });
      expectError(await send({ rawBody }), 413, 'body_too_large');
      expectError(await send({ rawBody, isChunked: true }), 413, 'body_too_large');
    });
  });

  it('answers an unknown field with 400 invalid_request naming the field', async () => {
    await changingNothing(async () => {
      const response = await send({ body: { ...route.valid(), isSuperuser: true } });
      const error = expectError(response, 400, 'invalid_request');
      expect(error.fields?.map(({ path, code }) => ({ path, code }))).toEqual([
        { path: 'body.isSuperuser', code: 'unknown_field' },
      ]);
    });
  });

  it('answers a field of the wrong type with 400 naming its path', async () => {
    await changingNothing(async () => {
      const error = expectError(
        await send({ body: route.wrongType.body() }),
        400,
        'invalid_request',
      );
      expect(error.fields?.map((f) => f.path)).toEqual([route.wrongType.path]);
    });
  });

  it('answers a missing body with 400 and a missing field with 400 naming it', async () => {
    await changingNothing(async () => {
      const noBody = expectError(await send({}), 400, 'invalid_request');
      expect(noBody.fields?.map((f) => f.path)).toEqual(['body']);
      const notAnObject = expectError(await send({ rawBody: '[]' }), 400, 'invalid_request');
      expect(notAnObject.fields?.map((f) => f.path)).toEqual(['body']);

      const missing = route.missingField;
      if (missing === null) return;
      const body = Object.fromEntries(
        Object.entries(route.valid()).filter(([key]) => key !== missing),
      );
      const error = expectError(await send({ body }), 400, 'invalid_request');
      expect(error.fields?.map((f) => f.path)).toEqual([`body.${missing}`]);
    });
  });

  it('answers a body that is not JSON with 415 unsupported_media_type', async () => {
    await changingNothing(async () => {
      const valid = route.valid();
      const form = new URLSearchParams(
        Object.entries(valid).map(([key, value]): [string, string] => [key, JSON.stringify(value)]),
      ).toString();
      for (const [contentType, rawBody] of [
        ['application/x-www-form-urlencoded', form],
        ['text/plain', JSON.stringify(valid)],
        ['application/xml', '<login/>'],
      ] as const) {
        const response = await send({ rawBody, contentType });
        expectError(response, 415, 'unsupported_media_type');
      }
    });
  });
});

describe('path parameters', () => {
  it('answers a :id that is not a uuid with 400 naming params.id', async () => {
    await changingNothing(async () => {
      for (const [method, path, body] of [
        ['PATCH', '/api/admin/users/not-a-uuid', { displayName: 'Renamed' }],
        ['POST', '/api/admin/users/1234/disable', undefined],
        ['DELETE', '/api/admin/invites/%27%20or%201%3D1', undefined],
      ] as const) {
        const response = await rawRequest(server, path, { method, token: adminToken, body });
        const error = expectError(response, 400, 'invalid_request');
        expect(error.fields?.map((f) => f.path)).toEqual(['params.id']);
      }
    });
  });
});

describe('unknown routes', () => {
  it('answers with 404 not_found as JSON', async () => {
    for (const [method, path] of [
      ['GET', '/api/no-such-route'],
      ['POST', '/api/admin/no-such-route'],
      ['DELETE', '/api/setup'],
    ] as const) {
      const response = await rawRequest(server, path, { method, token: adminToken });
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expectError(response, 404, 'not_found');
    }
  });
});
