import { loginResponseSchema, meResponseSchema, sessionGrantSchema } from '@amtsbote/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { DEFAULT_LOGIN_THROTTLE } from '../../src/identity/login-throttle.js';
import { describeOnEachBackend } from '../support/backends.js';
import {
  DEVICE,
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import {
  PASSWORD,
  UNKNOWN_TOKEN,
  createUserViaInvite,
  expectError,
  expectOk,
  loginBody,
  rawRequest,
  withoutRequestId,
  type RawResponse,
} from './helpers.js';

/** Free failures, then 1 s, 2 s, 4 s ... of back-off (the server's defaults). */
const { freeAttempts: FREE_ATTEMPTS, baseDelayMs: BASE_DELAY_MS } = DEFAULT_LOGIN_THROTTLE;

/**
 * The servers trust X-Forwarded-For (as behind a reverse proxy), so each test can play a
 * client of its own address and the per-address limits of one test do not touch another.
 */
let addressCounter = 0;
function newAddress(): Record<string, string> {
  addressCounter += 1;
  return { 'x-forwarded-for': `198.51.100.${addressCounter}` };
}

async function login(
  server: TestServer,
  body: ReturnType<typeof loginBody>,
  headers: Record<string, string> = newAddress(),
): Promise<RawResponse> {
  return rawRequest(server, '/api/auth/login', { body, headers });
}

function expectBlocked(response: RawResponse, retryAfterSeconds: number): void {
  const error = expectError(response, 429, 'too_many_requests');
  expect(error.retryAfterSeconds).toBe(retryAfterSeconds);
  expect(response.headers.get('retry-after')).toBe(String(retryAfterSeconds));
}

describeOnEachBackend('password login', (backend) => {
  const clock = new ManualClock();
  let server: TestServer;
  let adminToken: string;

  beforeAll(async () => {
    server = await startTestServer({ backend, clock, env: { AMTSBOTE_TRUST_PROXY: 'true' } });
    adminToken = (await setupFirstOrganization(server)).token;
  });
  afterAll(async () => {
    await server.close();
  });

  it('returns a session grant for the right password', async () => {
    const response = await login(server, loginBody('admin'));
    const grant = expectOk(response, 200, loginResponseSchema);
    if (grant.status !== 'authenticated') throw new Error('expected a session');
    expect(grant.user).toMatchObject({ username: 'admin', role: 'admin' });
    expect(grant.device).toMatchObject({ name: DEVICE.name, isCurrent: true });
    const me = await rawRequest(server, '/api/me', { token: grant.token });
    expect(expectOk(me, 200, meResponseSchema).sessionId).toBe(grant.sessionId);
  });

  it('gives the same answer for a wrong password, an unknown user or organization and a disabled user', async () => {
    const disabled = await createUserViaInvite(server, adminToken, 'dora');
    const disable = await rawRequest(server, `/api/admin/users/${disabled.user.id}/disable`, {
      method: 'POST',
      token: adminToken,
    });
    expect(disable.status, disable.text).toBe(200);

    const answers = [
      await login(server, loginBody('admin', 'wrong password')),
      await login(server, loginBody('nobody')),
      await login(server, loginBody('admin', PASSWORD, 'no-such-town')),
      await login(server, loginBody('dora')),
    ].map((response) => ({
      status: response.status,
      error: withoutRequestId(expectError(response, 401, 'invalid_credentials')),
    }));
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]?.error).toEqual({
      code: 'invalid_credentials',
      message: 'username or password is wrong',
    });
  });

  it('backs off an account more and more after the free attempts, even for the right password', async () => {
    await createUserViaInvite(server, adminToken, 'bert');
    for (let i = 0; i < FREE_ATTEMPTS + 1; i += 1) {
      expectError(
        await login(server, loginBody('bert', 'wrong password')),
        401,
        'invalid_credentials',
      );
    }
    expectBlocked(await login(server, loginBody('bert')), BASE_DELAY_MS / 1000);

    clock.advance(BASE_DELAY_MS);
    expectError(
      await login(server, loginBody('bert', 'wrong password')),
      401,
      'invalid_credentials',
    );
    expectBlocked(await login(server, loginBody('bert')), (2 * BASE_DELAY_MS) / 1000);

    clock.advance(2 * BASE_DELAY_MS);
    expectOk(await login(server, loginBody('bert')), 200, sessionGrantSchema);
    // Success clears the account's count: the next failure is a free one again.
    expectError(
      await login(server, loginBody('bert', 'wrong password')),
      401,
      'invalid_credentials',
    );
  });

  it('backs off a client address that fails with many different usernames', async () => {
    await createUserViaInvite(server, adminToken, 'carla');
    const address = newAddress();
    for (let i = 0; i <= FREE_ATTEMPTS; i += 1) {
      const response = await login(server, loginBody(`guess-${i}`), address);
      expectError(response, 401, 'invalid_credentials');
    }
    expectBlocked(await login(server, loginBody('carla'), address), BASE_DELAY_MS / 1000);
    // Another address is not affected.
    expectOk(await login(server, loginBody('carla')), 200, sessionGrantSchema);

    clock.advance(BASE_DELAY_MS);
    expectOk(await login(server, loginBody('carla'), address), 200, sessionGrantSchema);
  });

  it('ends the session on logout', async () => {
    const grant = expectOk(await login(server, loginBody('admin')), 200, sessionGrantSchema);
    const logout = await rawRequest(server, '/api/auth/logout', {
      method: 'POST',
      token: grant.token,
    });
    expect(logout.status, logout.text).toBe(200);
    expect(logout.json).toEqual({ status: 'ended' });

    expectError(
      await rawRequest(server, '/api/me', { token: grant.token }),
      401,
      'unauthenticated',
    );
    const again = await rawRequest(server, '/api/auth/logout', {
      method: 'POST',
      token: grant.token,
    });
    expectError(again, 401, 'unauthenticated');
    // Other sessions of the same user stay open.
    expect((await rawRequest(server, '/api/me', { token: adminToken })).status).toBe(200);
  });
});

describeOnEachBackend('request rate limit of the secret routes', (backend) => {
  const LIMIT = 5;
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      backend,
      authRateLimitPerMinute: LIMIT,
      env: { AMTSBOTE_TRUST_PROXY: 'true' },
      // The login back-off is kept out of the way so that only the request rate limit answers.
      loginThrottle: { ...DEFAULT_LOGIN_THROTTLE, freeAttempts: 1_000 },
    });
    await setupFirstOrganization(server);
  });
  afterAll(async () => {
    await server.close();
  });

  const routes = [
    { path: '/api/auth/login', body: loginBody('admin', 'wrong password'), status: 401 },
    {
      path: '/api/setup',
      body: {
        token: UNKNOWN_TOKEN,
        organization: { slug: 'zweite-stadt', name: 'Zweite Stadt' },
        admin: { username: 'admin', displayName: 'Anna Admin', password: PASSWORD },
        device: DEVICE,
      },
      status: 409,
    },
    {
      path: '/api/invites/accept',
      body: {
        token: UNKNOWN_TOKEN,
        username: 'eve',
        displayName: 'Eve',
        password: PASSWORD,
        device: DEVICE,
      },
      status: 404,
    },
  ] as const;

  it.each(routes)('answers 429 after $path is called too often from one address', async (route) => {
    const address = newAddress();
    for (let i = 0; i < LIMIT; i += 1) {
      const response = await rawRequest(server, route.path, { body: route.body, headers: address });
      expect(response.status, response.text).toBe(route.status);
    }
    const limited = await rawRequest(server, route.path, { body: route.body, headers: address });
    const error = expectError(limited, 429, 'too_many_requests');
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
    expect(limited.headers.get('retry-after')).toBe(String(error.retryAfterSeconds));
    expect(limited.headers.get('x-ratelimit-limit')).toBe(String(LIMIT));

    const otherAddress = await rawRequest(server, route.path, {
      body: route.body,
      headers: newAddress(),
    });
    expect(otherAddress.status, otherAddress.text).toBe(route.status);
  });
});
