import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import { ORGANIZATION, expectError, rawRequest, type RawRequest } from './helpers.js';

function expectSecurityHeaders(headers: Headers): void {
  const csp = headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('referrer-policy')).toBe('no-referrer');
  expect(headers.get('x-frame-options')).toBe('DENY');
  expect(headers.get('x-powered-by')).toBeNull();
}

describe('security headers', () => {
  let server: TestServer;
  let adminToken: string;

  beforeAll(async () => {
    server = await startTestServer();
    adminToken = (await setupFirstOrganization(server)).token;
  });
  afterAll(async () => {
    await server.close();
  });

  const cases: ReadonlyArray<{
    readonly name: string;
    readonly path: string;
    readonly status: number;
    readonly request: (token: string) => RawRequest;
  }> = [
    { name: 'an authenticated 200', path: '/api/me', status: 200, request: (token) => ({ token }) },
    { name: 'the web page', path: '/', status: 200, request: () => ({}) },
    { name: 'a 404', path: '/api/no-such-route', status: 404, request: () => ({}) },
    { name: 'a 400', path: '/api/auth/login', status: 400, request: () => ({ body: {} }) },
    { name: 'a 401', path: '/api/me', status: 401, request: () => ({}) },
    { name: '/healthz', path: '/healthz', status: 200, request: () => ({}) },
    { name: '/metrics', path: '/metrics', status: 200, request: () => ({}) },
  ];

  it.each(cases)('are sent with $name', async ({ path, status, request }) => {
    const response = await rawRequest(server, path, request(adminToken));
    expect(response.status, response.text).toBe(status);
    expectSecurityHeaders(response.headers);
  });
});

describe('unexpected internal errors', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await setupFirstOrganization(server);
    // Break storage under the running server: passkey challenges can no longer be stored.
    await sql`drop table webauthn_challenges cascade`.execute(server.handle.storage.db);
  });
  afterAll(async () => {
    await server.close();
  });

  it('answer 500 internal_error without details and log the stack with the request id', async () => {
    const response = await rawRequest(server, '/api/auth/passkey/options', {
      body: { organization: ORGANIZATION.slug },
    });
    const error = expectError(response, 500, 'internal_error');
    expect(response.json).toEqual({
      error: { code: 'internal_error', message: 'internal error', requestId: error.requestId },
    });
    expect(response.text).not.toMatch(/webauthn_challenges|relation|stack|\bat \S+ \(/);
    expectSecurityHeaders(response.headers);

    const logged = server.logs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry['reqId'] === error.requestId && entry['level'] === 50);
    expect(logged?.['msg']).toBe('unhandled error');
    const err = logged?.['err'] as { message?: string; stack?: string } | undefined;
    expect(err?.message).toContain('webauthn_challenges');
    expect(err?.stack).toMatch(/\n\s+at /);
  });

  it('keep serving other requests afterwards', async () => {
    const response = await rawRequest(server, '/healthz');
    expect(response.status).toBe(200);
  });
});
