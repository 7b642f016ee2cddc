import { ApiError, type HttpApi } from '@amtsbote/client';
import {
  errorBodySchema,
  deviceViewSchema,
  loginResponseSchema,
  passkeyOptionsResponseSchema,
  passkeyViewSchema,
  sessionGrantSchema,
  sessionViewSchema,
  userViewSchema,
  type ErrorBody,
  type LoginResponse,
  type PasskeyOptionsResponse,
  type PasskeyView,
  type SessionGrant,
} from '@amtsbote/protocol';
import { z } from 'zod';
import { adminCommandSchema, runAdminCommand } from '../../src/admin/admin-commands.js';
import { ManualClock } from '../../src/clock.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import {
  DEVICE,
  setupFirstOrganization,
  startTestServer,
  type Backend,
  type TestServer,
} from '../support/test-server.js';

/** The public URL the relying party is derived from: rpId "localhost", this origin. */
export const ORIGIN = 'http://localhost:8080';
export { DEVICE };
export const RP_ID = 'localhost';
export const FIRST_ORG = 'stadt-musterstadt';
export const PASSWORD = 'correct horse battery staple';
/** Challenges live five minutes (DEFAULT_IDENTITY_POLICY.challengeTtlMs). */
export const CHALLENGE_TTL_MS = 5 * 60_000;
/** Every suite runs on both storage backends: counters and timestamps must round-trip alike. */

export interface PasskeyTestServer {
  readonly server: TestServer;
  readonly clock: ManualClock;
  /** The first organization's administrator. */
  readonly admin: Account;
  /** A username not used before on this server. */
  readonly newUsername: () => string;
}

export interface Account {
  readonly organization: string;
  readonly username: string;
  readonly userId: string;
  /** Signed in with the account's first session. */
  readonly api: HttpApi;
  /** An administrator of the same organization, to observe the account's devices. */
  readonly orgAdmin: HttpApi;
}

/**
 * A server whose relying party is localhost:8080, on a manual clock, with the login throttle and
 * the per-minute auth limit opened wide: the refusal tests fail on purpose many times in a row.
 */
export async function startPasskeyServer(backend: Backend): Promise<PasskeyTestServer> {
  const clock = new ManualClock();
  const server = await startTestServer({
    backend,
    clock,
    env: { AMTSBOTE_PUBLIC_URL: ORIGIN },
    loginThrottle: { freeAttempts: 1000, baseDelayMs: 1000, maxDelayMs: 1000, maxKeys: 1000 },
    authRateLimitPerMinute: 10_000,
  });
  const grant = await setupFirstOrganization(server);
  const api = server.api(grant.token);
  const admin = {
    organization: FIRST_ORG,
    username: grant.user.username,
    userId: grant.user.id,
    api,
    orgAdmin: api,
  };
  let accounts = 0;
  const newUsername = (): string => `user${(accounts += 1)}`;
  return { server, clock, admin, newUsername };
}

/** A new member (or admin) with a password, signed in once. */
export async function createAccount(
  fixture: PasskeyTestServer,
  options: { organization?: string; orgAdmin?: HttpApi; role?: 'member' | 'admin' } = {},
): Promise<Account> {
  const organization = options.organization ?? FIRST_ORG;
  const username = fixture.newUsername();
  await runAdminCommand(
    fixture.server.handle.identity,
    adminCommandSchema.parse({
      command: 'create-user',
      org: organization,
      username,
      displayName: `User ${username}`,
      role: options.role ?? 'member',
      password: PASSWORD,
    }),
  );
  const api = fixture.server.api();
  const response = await api.login({ organization, username, password: PASSWORD, device: DEVICE });
  if (response.status !== 'authenticated') throw new Error('a new account needs no passkey');
  return {
    organization,
    username,
    userId: response.user.id,
    api,
    orgAdmin: options.orgAdmin ?? (options.role === 'admin' ? api : fixture.admin.api),
  };
}

/** A second organization with its own administrator. */
export async function createOrganization(
  fixture: PasskeyTestServer,
  slug: string,
): Promise<Account> {
  await runAdminCommand(
    fixture.server.handle.identity,
    adminCommandSchema.parse({ command: 'create-org', slug, name: `Organisation ${slug}` }),
  );
  return createAccount(fixture, { organization: slug, role: 'admin' });
}

export async function registrationOptions(account: Account): Promise<PasskeyOptionsResponse> {
  return account.api.request(
    'POST',
    '/api/me/passkeys/options',
    undefined,
    passkeyOptionsResponseSchema,
  );
}

export async function submitRegistration(
  account: Account,
  request: { challengeId: string; response: unknown; name: string },
): Promise<PasskeyView> {
  return account.api.request('POST', '/api/me/passkeys', request, passkeyViewSchema);
}

/** The whole registration ceremony with an honest authenticator. */
export async function registerPasskey(
  account: Account,
  name = 'Laptop',
): Promise<{ authenticator: SoftAuthenticator; passkey: PasskeyView }> {
  const authenticator = await SoftAuthenticator.create(ORIGIN);
  const { challengeId, options } = await registrationOptions(account);
  const response = await authenticator.register(options);
  const passkey = await submitRegistration(account, { challengeId, response, name });
  return { authenticator, passkey };
}

export async function listPasskeys(account: Account): Promise<PasskeyView[]> {
  const body = await account.api.request(
    'GET',
    '/api/me/passkeys',
    undefined,
    z.object({ passkeys: z.array(passkeyViewSchema) }),
  );
  return body.passkeys;
}

export async function deletePasskey(account: Account, passkeyId: string): Promise<void> {
  await account.api.request('DELETE', `/api/me/passkeys/${passkeyId}`, undefined, z.null());
}

export async function setRequirePasskey(account: Account, requirePasskey: boolean): Promise<void> {
  await account.api.request(
    'PUT',
    '/api/me/security',
    { requirePasskey },
    z.object({ requirePasskey: z.boolean() }),
  );
}

export async function passwordLogin(
  server: TestServer,
  account: Pick<Account, 'organization' | 'username'>,
): Promise<LoginResponse> {
  return server.api().request(
    'POST',
    '/api/auth/login',
    {
      organization: account.organization,
      username: account.username,
      password: PASSWORD,
      device: DEVICE,
    },
    loginResponseSchema,
  );
}

export async function loginOptions(
  server: TestServer,
  organization: string,
): Promise<PasskeyOptionsResponse> {
  return server
    .api()
    .request('POST', '/api/auth/passkey/options', { organization }, passkeyOptionsResponseSchema);
}

export async function passkeyLogin(
  server: TestServer,
  request: { challengeId: string; response: unknown },
): Promise<SessionGrant> {
  return server
    .api()
    .request('POST', '/api/auth/passkey/login', { ...request, device: DEVICE }, sessionGrantSchema);
}

export async function listSessionIds(account: Account): Promise<string[]> {
  const body = await account.api.request(
    'GET',
    '/api/me/sessions',
    undefined,
    z.object({ sessions: z.array(sessionViewSchema) }),
  );
  return body.sessions.map((s) => s.id).sort();
}

/** Every login opens a device, so the device count shows whether any session was opened. */
export async function countDevices(account: Account): Promise<number> {
  const body = await account.orgAdmin.request(
    'GET',
    `/api/admin/users/${account.userId}/devices`,
    undefined,
    z.object({ devices: z.array(deviceViewSchema) }),
  );
  return body.devices.length;
}

/** What a refused attempt must leave as it was: the devices and sessions, the passkeys' use. */
export async function observe(
  account: Account,
): Promise<{ devices: number; sessions: string[]; passkeys: PasskeyView[] }> {
  return {
    devices: await countDevices(account),
    sessions: await listSessionIds(account),
    passkeys: await listPasskeys(account),
  };
}

export async function disableUser(account: Account): Promise<void> {
  await account.orgAdmin.request(
    'POST',
    `/api/admin/users/${account.userId}/disable`,
    undefined,
    userViewSchema,
  );
}

/** The status and code of a refused call; fails the test when the call succeeds. */
export async function refusal(call: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, code: error.code };
    throw error;
  }
  throw new Error('the call was expected to be refused but succeeded');
}

/** A request whose full error body the test reads (HttpApi keeps only status and code). */
export async function rawRequest(
  server: TestServer,
  method: string,
  path: string,
  token: string,
  body: unknown,
): Promise<{ status: number; body: ErrorBody | null }> {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const parsed = errorBodySchema.safeParse(await response.json());
  return { status: response.status, body: parsed.success ? parsed.data : null };
}
