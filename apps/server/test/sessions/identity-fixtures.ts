import { ApiError } from '@amtsbote/client';
import {
  createdInviteSchema,
  deviceViewSchema,
  sessionViewSchema,
  userViewSchema,
  type CreatedInvite,
  type DeviceView,
  type ErrorCode,
  type SessionGrant,
  type SessionView,
  type UserRole,
  type UserView,
} from '@amtsbote/protocol';
import { expect } from 'vitest';
import { z } from 'zod';
import { adminCommandSchema, runAdminCommand } from '../../src/admin/admin-commands.js';
import { DEVICE, type TestServer } from '../support/test-server.js';

/* Identity fixtures shared by the isolation, session and log suites: real HTTP calls and the
   real admin commands, nothing stubbed. */

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** One HTTP call through the typed client, for routes HttpApi has no method for. */
export async function call<S extends z.ZodType>(
  server: TestServer,
  token: string | null,
  method: HttpMethod,
  path: string,
  schema: S,
  body?: unknown,
): Promise<z.output<S>> {
  return server.api(token).request(method, path, body, schema);
}

/** The ApiError the call failed with; fails the test when the call succeeded. */
export async function rejectionOf(promise: Promise<unknown>): Promise<ApiError> {
  const outcome = await promise.then(
    () => ({ isRejected: false as const }),
    (error: unknown) => ({ isRejected: true as const, error }),
  );
  if (!outcome.isRejected) throw new Error('expected the call to fail, it succeeded');
  if (!(outcome.error instanceof ApiError)) throw outcome.error;
  return outcome.error;
}

/** Resolves with the ApiError the call failed with, after checking its status and code. */
export async function expectApiError(
  promise: Promise<unknown>,
  expected: { status: number; code: ErrorCode },
): Promise<ApiError> {
  const error = await rejectionOf(promise);
  expect({ status: error.status, code: error.code }).toEqual(expected);
  return error;
}

/** Creates a user with a password through the operator command, as `amtsbote admin` does. */
export async function createUser(
  server: TestServer,
  input: { org: string; username: string; password: string; role?: UserRole },
): Promise<UserView> {
  const result = await runAdminCommand(
    server.handle.identity,
    adminCommandSchema.parse({
      command: 'create-user',
      org: input.org,
      username: input.username,
      displayName: `Person ${input.username}`,
      role: input.role ?? 'member',
      password: input.password,
    }),
  );
  return userViewSchema.parse(result);
}

export async function createOrganization(
  server: TestServer,
  input: { slug: string; name: string },
): Promise<void> {
  await runAdminCommand(
    server.handle.identity,
    adminCommandSchema.parse({ command: 'create-org', ...input }),
  );
}

/** Password login over HTTP on a new device; fails if the server asks for a passkey. */
export async function login(
  server: TestServer,
  input: { org: string; username: string; password: string; deviceName?: string },
): Promise<SessionGrant> {
  const response = await server.api().login({
    organization: input.org,
    username: input.username,
    password: input.password,
    device: { ...DEVICE, name: input.deviceName ?? DEVICE.name },
  });
  if (response.status !== 'authenticated') {
    throw new Error(`expected a session for ${input.username}, got a passkey challenge`);
  }
  return response;
}

export async function createInvite(
  server: TestServer,
  adminToken: string,
  role: UserRole = 'member',
): Promise<CreatedInvite> {
  return call(server, adminToken, 'POST', '/api/admin/invites', createdInviteSchema, { role });
}

/** The secret of an invite link: it travels in the fragment. */
export function inviteToken(invite: CreatedInvite): string {
  return new URL(invite.url).hash.slice(1);
}

export async function listMySessions(server: TestServer, token: string): Promise<SessionView[]> {
  const schema = z.object({ sessions: z.array(sessionViewSchema) });
  return (await call(server, token, 'GET', '/api/me/sessions', schema)).sessions;
}

export async function listMyDevices(server: TestServer, token: string): Promise<DeviceView[]> {
  const schema = z.object({ devices: z.array(deviceViewSchema) });
  return (await call(server, token, 'GET', '/api/me/devices', schema)).devices;
}

export async function disableUserOverHttp(
  server: TestServer,
  adminToken: string,
  userId: string,
): Promise<UserView> {
  return call(server, adminToken, 'POST', `/api/admin/users/${userId}/disable`, userViewSchema);
}

export async function enableUserOverHttp(
  server: TestServer,
  adminToken: string,
  userId: string,
): Promise<UserView> {
  return call(server, adminToken, 'POST', `/api/admin/users/${userId}/enable`, userViewSchema);
}

/** 204 answers have an empty body, which the client reads as null. */
export const noContent = z.null();
