import { randomBytes } from 'node:crypto';
import { hashToken } from '@amtsbote/crypto';
import { errorBodySchema, inviteInfoSchema, type SessionGrant } from '@amtsbote/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  call,
  createInvite,
  disableUserOverHttp,
  expectApiError,
  inviteToken,
  login,
  noContent,
} from '../sessions/identity-fixtures.js';
import { connectAuthenticated, openSocket } from '../sessions/ws-test-client.js';
import {
  DEVICE,
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import { dumpDatabase } from '../support/database-dump.js';

const ORG = 'stadt-musterstadt';
const MEMBER = 'erika.muster';
const suffix = randomBytes(8).toString('hex');
/** Secrets we choose; each is unique to this run, so a hit cannot be a coincidence. */
const PLANTED = {
  adminPassword: `Canary-Passw0rd-${suffix}-admin`,
  memberPassword: `Canary-Passw0rd-${suffix}-member`,
  wrongPassword: `Canary-Passw0rd-${suffix}-wrong`,
  malformedBody: `Canary-Passw0rd-${suffix}-malformed`,
  unknownField: `Canary-Passw0rd-${suffix}-unknown-field`,
  invalidField: `Canary-Passw0rd-${suffix}-invalid-field`,
  oversizedBody: `Canary-Passw0rd-${suffix}-oversized`,
  plainTextBody: `Canary-Passw0rd-${suffix}-plain-text`,
  wrongToken: `CanaryWrongToken_${suffix}`,
} as const;

interface RequestResult {
  readonly status: number;
  readonly code: string | null;
  readonly requestId: string | null;
}

/** A raw request, for bodies the typed client would never send. */
async function rawPost(
  server: TestServer,
  path: string,
  body: string,
  contentType = 'application/json',
): Promise<RequestResult> {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  const parsed = errorBodySchema.safeParse(await response.json());
  return {
    status: response.status,
    code: parsed.success ? parsed.data.error.code : null,
    requestId: response.headers.get('x-request-id'),
  };
}

describe('secrets in logs and storage', () => {
  let server: TestServer;
  /** Secrets the server made during the flows: setup, invite and session tokens. */
  const issued: Record<string, string> = {};
  let logLines: string[];
  let databaseValues: string[];
  let metricsText: string;
  const refusals: RequestResult[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    issued['setupToken'] = server.setupToken ?? '';
    const admin = await setupFirstOrganization(server, {
      admin: { username: 'admin', displayName: 'Anna Admin', password: PLANTED.adminPassword },
    });
    issued['adminToken'] = admin.token;

    const invite = await createInvite(server, admin.token);
    issued['inviteToken'] = inviteToken(invite);
    await call(server, null, 'POST', '/api/invites/inspect', inviteInfoSchema, {
      token: issued['inviteToken'],
    });
    const accepted = await server.api().acceptInvite({
      token: issued['inviteToken'],
      username: MEMBER,
      displayName: 'Erika Muster',
      password: PLANTED.memberPassword,
      device: DEVICE,
    });
    issued['acceptedSessionToken'] = accepted.token;
    const revokedInvite = await createInvite(server, admin.token);
    issued['revokedInviteToken'] = inviteToken(revokedInvite);
    await call(server, admin.token, 'DELETE', `/api/admin/invites/${revokedInvite.id}`, noContent);

    const member: SessionGrant = await login(server, {
      org: ORG,
      username: MEMBER,
      password: PLANTED.memberPassword,
    });
    issued['loginSessionToken'] = member.token;
    await expectApiError(
      login(server, { org: ORG, username: MEMBER, password: PLANTED.wrongPassword }),
      { status: 401, code: 'invalid_credentials' },
    );

    const loginBody = {
      organization: ORG,
      username: MEMBER,
      password: PLANTED.memberPassword,
      device: DEVICE,
    };
    refusals.push(
      await rawPost(
        server,
        '/api/auth/login',
        `{"organization":"${ORG}","password":"${PLANTED.malformedBody}" oops}`,
      ),
      await rawPost(
        server,
        '/api/auth/login',
        JSON.stringify({ ...loginBody, passwort: PLANTED.unknownField }),
      ),
      await rawPost(
        server,
        '/api/invites/accept',
        JSON.stringify({
          token: issued['inviteToken'],
          username: 'zu.lang',
          displayName: 'Zu Lang',
          password: PLANTED.invalidField.repeat(10),
          device: DEVICE,
        }),
      ),
      await rawPost(
        server,
        '/api/auth/login',
        JSON.stringify({ ...loginBody, password: PLANTED.oversizedBody.repeat(2_000) }),
      ),
      await rawPost(server, '/api/auth/login', PLANTED.plainTextBody, 'text/plain'),
    );
    expect(refusals.map((r) => [r.status, r.code])).toEqual([
      [400, 'malformed_json'],
      [400, 'invalid_request'],
      [400, 'invalid_request'],
      [413, 'body_too_large'],
      [415, 'unsupported_media_type'],
    ]);
    await expectApiError(server.api(PLANTED.wrongToken).me(), {
      status: 401,
      code: 'unauthenticated',
    });

    const welcomed = await connectAuthenticated(server.wsUrl, member.token);
    welcomed.socket.close();
    await welcomed.closed;
    const rejected = await openSocket(server.wsUrl);
    rejected.sendHello(PLANTED.wrongToken);
    expect(await rejected.firstMessage).toEqual({ type: 'reject', reason: 'unauthenticated' });
    await rejected.closed;

    await call(server, member.token, 'POST', '/api/auth/logout', z.object({ status: z.string() }));
    await disableUserOverHttp(server, admin.token, member.user.id);
    const metrics = await fetch(`${server.baseUrl}/metrics`);
    expect(metrics.status).toBe(200);
    metricsText = await metrics.text();

    databaseValues = await dumpDatabase(server);
    await server.close();
    logLines = server.logs
      .join('')
      .split('\n')
      .filter((line) => line !== '');
  });
  afterAll(async () => {
    await server.close();
  });

  const secrets = (): [string, string][] => [...Object.entries(PLANTED), ...Object.entries(issued)];

  it('has planted every secret it looks for', () => {
    expect(Object.keys(issued).sort()).toEqual(
      [
        'acceptedSessionToken',
        'adminToken',
        'inviteToken',
        'loginSessionToken',
        'revokedInviteToken',
        'setupToken',
      ].sort(),
    );
    for (const [name, value] of secrets()) expect(value.length, name).toBeGreaterThan(20);
  });

  it('writes no planted or issued secret into the structured logs', () => {
    expect(logLines.length).toBeGreaterThan(20);
    for (const [name, value] of secrets()) {
      expect(
        logLines.filter((line) => line.includes(value)),
        name,
      ).toEqual([]);
    }
  });

  it('writes every log line as JSON and every request line with its request id', () => {
    const entries = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requestLines = entries.filter(
      (e) => 'req' in e || 'res' in e || e['msg'] === 'request refused',
    );
    expect(requestLines.length).toBeGreaterThan(20);
    for (const entry of requestLines) expect(entry['reqId']).toMatch(/^[0-9a-f-]{36}$/);
    // The id the client saw in x-request-id is the one on the log line of the refusal.
    for (const refusal of refusals) {
      const refused = entries.filter(
        (e) => e['reqId'] === refusal.requestId && e['msg'] === 'request refused',
      );
      expect(refused.map((e) => e['code'])).toEqual([refusal.code]);
    }
  });

  it('exposes no planted or issued secret on /metrics', () => {
    expect(metricsText).toContain('amtsbote_http_request_duration_seconds');
    for (const [name, value] of secrets()) expect(metricsText.includes(value), name).toBe(false);
  });

  it('stores no planted or issued secret in any column, only hashes of them', async () => {
    const everything = databaseValues.join('\n');
    expect(everything).toContain(MEMBER);
    for (const [name, value] of secrets()) expect(everything.includes(value), name).toBe(false);
    for (const name of ['setupToken', 'inviteToken', 'acceptedSessionToken', 'loginSessionToken']) {
      expect(databaseValues, name).toContain(await hashToken(issued[name] ?? ''));
    }
    expect(databaseValues.filter((v) => v.startsWith('$argon2id$'))).toHaveLength(2);
  });
});
