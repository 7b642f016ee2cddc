import {
  createdInviteSchema,
  errorBodySchema,
  inviteViewSchema,
  sessionGrantSchema,
  userViewSchema,
  type CreatedInvite,
  type ErrorBody,
  type InviteView,
  type SessionGrant,
  type UserRole,
  type UserView,
} from '@amtsbote/protocol';
import { expect } from 'vitest';
import { z } from 'zod';
import type { Database } from '../../src/storage/schema.js';
import { DEVICE, type TestServer } from '../support/test-server.js';

/** The password every user made by these helpers has. */
export const PASSWORD = 'correct horse battery staple';
export const ORGANIZATION = { slug: 'stadt-musterstadt', name: 'Stadt Musterstadt' } as const;

export interface RawRequest {
  readonly method?: string;
  readonly token?: string | null;
  /** Sent as JSON; ignored when rawBody is given. */
  readonly body?: unknown;
  /** Sent exactly as given, for malformed or oversized bodies. */
  readonly rawBody?: string;
  readonly contentType?: string | null;
  readonly headers?: Record<string, string>;
  /** Streams the body in chunks without a content-length, as a client may. */
  readonly isChunked?: boolean;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed body, or null when it is not JSON. */
  readonly json: unknown;
}

/** A request with plain fetch, so tests control the exact bytes and headers sent. */
export async function rawRequest(
  server: TestServer,
  path: string,
  request: RawRequest = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...request.headers };
  const body =
    request.rawBody ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
  const contentType =
    request.contentType === undefined
      ? body === undefined
        ? null
        : 'application/json'
      : request.contentType;
  if (contentType !== null) headers['content-type'] = contentType;
  if (request.token !== undefined && request.token !== null) {
    headers['authorization'] = `Bearer ${request.token}`;
  }
  const response = await fetch(`${server.baseUrl}${path}`, {
    method: request.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    ...(body === undefined
      ? {}
      : request.isChunked === true
        ? { body: chunked(body), duplex: 'half' }
        : { body }),
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.status, headers: response.headers, text, json };
}

function chunked(text: string, chunkBytes = 8 * 1024): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.subarray(offset, offset + chunkBytes));
      offset += chunkBytes;
    },
  });
}

/** A successful response's body, checked against its schema. */
export function expectOk<S extends z.ZodType>(
  response: RawResponse,
  status: number,
  schema: S,
): z.output<S> {
  expect(response.status, response.text).toBe(status);
  return schema.parse(response.json);
}

/**
 * Checks an error answer: the status, the code, the documented body shape, and that the
 * request id in the body is the one in the x-request-id header. Returns the error object.
 */
export function expectError(
  response: RawResponse,
  status: number,
  code: ErrorBody['error']['code'],
): ErrorBody['error'] {
  expect(response.status, response.text).toBe(status);
  const { error } = errorBodySchema.parse(response.json);
  expect(error.code).toBe(code);
  expect(error.message).not.toBe('');
  expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(response.headers.get('x-request-id')).toBe(error.requestId);
  return error;
}

/** An error object without its request id, which differs on every request. */
export function withoutRequestId(error: ErrorBody['error']): Omit<ErrorBody['error'], 'requestId'> {
  const rest = { ...error };
  delete rest.requestId;
  return rest;
}

/** The token carried in the fragment of a setup or invite link. */
export function tokenOfLink(url: string): string {
  const token = new URL(url).hash.slice(1);
  expect(token).not.toBe('');
  return token;
}

/** A well-formed token that was never issued. */
export const UNKNOWN_TOKEN = 'x'.repeat(43);

/** Rows in a table, read from storage directly (int8 counts arrive as numbers). */
export async function countRows(server: TestServer, table: keyof Database): Promise<number> {
  const row = await server.handle.storage.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  return row.count;
}

export async function createInvite(
  server: TestServer,
  adminToken: string,
  body: { role?: UserRole; expiresInHours?: number } = {},
): Promise<CreatedInvite> {
  const response = await rawRequest(server, '/api/admin/invites', { token: adminToken, body });
  return expectOk(response, 201, createdInviteSchema);
}

export async function acceptInvite(
  server: TestServer,
  token: string,
  username: string,
  options: { headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  return rawRequest(server, '/api/invites/accept', {
    body: { token, username, displayName: `User ${username}`, password: PASSWORD, device: DEVICE },
    ...(options.headers === undefined ? {} : { headers: options.headers }),
  });
}

/** Invites a new user with the given role and accepts the invite; returns their session. */
export async function createUserViaInvite(
  server: TestServer,
  adminToken: string,
  username: string,
  role: UserRole = 'member',
): Promise<SessionGrant> {
  const invite = await createInvite(server, adminToken, { role });
  const response = await acceptInvite(server, tokenOfLink(invite.url), username);
  return expectOk(response, 201, sessionGrantSchema);
}

export async function listUsers(server: TestServer, adminToken: string): Promise<UserView[]> {
  const response = await rawRequest(server, '/api/admin/users', { token: adminToken });
  return expectOk(response, 200, z.object({ users: z.array(userViewSchema) })).users;
}

export async function listInvites(server: TestServer, adminToken: string): Promise<InviteView[]> {
  const response = await rawRequest(server, '/api/admin/invites', { token: adminToken });
  return expectOk(response, 200, z.object({ invites: z.array(inviteViewSchema) })).invites;
}

export function loginBody(
  username: string,
  password: string = PASSWORD,
  organization: string = ORGANIZATION.slug,
): { organization: string; username: string; password: string; device: typeof DEVICE } {
  return { organization, username, password, device: DEVICE };
}
