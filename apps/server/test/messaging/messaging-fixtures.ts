import { randomBytes, randomUUID } from 'node:crypto';
import { base64urlDecode, base64urlEncode } from '@amtsbote/crypto';
import {
  CIPHERSUITES,
  conversationViewSchema,
  sendMessageResponseSchema,
  submitCommitResponseSchema,
  syncResponseSchema,
  type ConversationKind,
  type ConversationView,
  type SyncEvent,
} from '@amtsbote/protocol';
import { z } from 'zod';
import { expectOk, rawRequest, type RawResponse } from '../http/helpers.js';
import { createUser, login } from '../sessions/identity-fixtures.js';
import type { TestServer } from '../support/test-server.js';

/* Messaging fixtures: real HTTP calls against a real server. MLS objects are random bytes,
   since the server never parses them. */

export const ORG = 'stadt-musterstadt';
export const PASSWORD = 'lange Passphrase fuer Tests';
export const SUITE = CIPHERSUITES.xwing;
/**
 * These suites log in one device per actor, far more than the per-address login limit allows
 * from one test process; that limit has its own tests.
 */
export const MANY_LOGINS = { authRateLimitPerMinute: 10_000 } as const;

/** One logged-in device of a user. */
export interface Device {
  readonly token: string;
  readonly userId: string;
  readonly deviceId: string;
}

export const opaque = (size = 48): string => base64urlEncode(randomBytes(size));
export const bytesOf = (text: string): Uint8Array => base64urlDecode(text);

let userCount = 0;

/** A new member of the organization, logged in on the named devices (one session each). */
export async function newUser(
  server: TestServer,
  deviceCount = 1,
  org: string = ORG,
): Promise<Device[]> {
  userCount += 1;
  const username = `person-${userCount}-${randomUUID().slice(0, 8)}`;
  await createUser(server, { org, username, password: PASSWORD });
  const devices: Device[] = [];
  for (let i = 0; i < deviceCount; i += 1) {
    const grant = await login(server, {
      org,
      username,
      password: PASSWORD,
      deviceName: `Gerät ${i + 1}`,
    });
    devices.push({ token: grant.token, userId: grant.user.id, deviceId: grant.device.id });
  }
  return devices;
}

export async function newDevice(server: TestServer, org: string = ORG): Promise<Device> {
  const [device] = await newUser(server, 1, org);
  if (device === undefined) throw new Error('no device');
  return device;
}

/** Another login of the same user: a new device. */
export async function anotherDevice(
  server: TestServer,
  of: Device,
  org: string = ORG,
): Promise<Device> {
  const me = await server.api(of.token).me();
  const grant = await login(server, { org, username: me.user.username, password: PASSWORD });
  return { token: grant.token, userId: grant.user.id, deviceId: grant.device.id };
}

export function call(
  server: TestServer,
  device: Device,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: unknown,
): Promise<RawResponse> {
  return rawRequest(server, path, {
    method,
    token: device.token,
    ...(body === undefined ? {} : { body }),
  });
}

export async function createConversation(
  server: TestServer,
  owner: Device,
  members: readonly Device[],
  kind: ConversationKind = 'group',
): Promise<ConversationView> {
  const response = await call(server, owner, 'POST', '/api/conversations', {
    conversationId: randomUUID(),
    kind,
    ciphersuite: SUITE,
    memberUserIds: [...new Set(members.map((m) => m.userId))],
  });
  return expectOk(response, 201, conversationViewSchema);
}

export function postCommit(
  server: TestServer,
  committer: Device,
  conversationId: string,
  body: Record<string, unknown>,
): Promise<RawResponse> {
  return call(server, committer, 'POST', `/api/conversations/${conversationId}/commits`, {
    commit: opaque(),
    ...body,
  });
}

/** A commit that adds the devices, with a welcome for them; returns the new epoch and seq. */
export async function addDevices(
  server: TestServer,
  committer: Device,
  conversationId: string,
  epoch: number,
  devices: readonly Device[],
  extra: Record<string, unknown> = {},
): Promise<{ epoch: number; seq: number }> {
  const response = await postCommit(server, committer, conversationId, {
    epoch,
    addedDeviceIds: devices.map((d) => d.deviceId),
    ...(devices.length === 0 ? {} : { welcome: opaque() }),
    ...extra,
  });
  return expectOk(response, 200, submitCommitResponseSchema);
}

/** A conversation whose MLS group holds the owner's device and the members' devices, at epoch 1. */
export async function groupWith(
  server: TestServer,
  owner: Device,
  members: readonly Device[],
): Promise<ConversationView> {
  const conversation = await createConversation(server, owner, members);
  await addDevices(server, owner, conversation.id, 0, members);
  return { ...conversation, epoch: 1, lastSeq: 1 };
}

export function postMessage(
  server: TestServer,
  sender: Device,
  conversationId: string,
  body: { epoch: number; messageId?: string; ciphertext?: string },
): Promise<RawResponse> {
  return call(server, sender, 'POST', `/api/conversations/${conversationId}/messages`, {
    messageId: body.messageId ?? randomUUID(),
    epoch: body.epoch,
    ciphertext: body.ciphertext ?? opaque(),
  });
}

export async function sendMessage(
  server: TestServer,
  sender: Device,
  conversationId: string,
  epoch: number,
  ciphertext: string = opaque(),
): Promise<{ seq: number; messageId: string }> {
  const messageId = randomUUID();
  const response = await postMessage(server, sender, conversationId, {
    epoch,
    messageId,
    ciphertext,
  });
  return { seq: expectOk(response, 200, sendMessageResponseSchema).seq, messageId };
}

export async function sync(
  server: TestServer,
  device: Device,
  limit = 1000,
): Promise<{ events: SyncEvent[]; hasMore: boolean }> {
  const response = await call(server, device, 'GET', `/api/sync?limit=${limit}`);
  return expectOk(response, 200, syncResponseSchema);
}

/** The device's pending stream in one conversation, as (type, seq) pairs. */
export async function streamOf(
  server: TestServer,
  device: Device,
  conversationId: string,
): Promise<{ type: SyncEvent['type']; seq: number }[]> {
  const { events } = await sync(server, device);
  return events
    .filter((e) => e.conversationId === conversationId)
    .map((e) => ({ type: e.type, seq: e.seq }));
}

export async function ack(
  server: TestServer,
  device: Device,
  cursors: readonly { conversationId: string; seq: number }[],
): Promise<void> {
  const response = await call(server, device, 'POST', '/api/sync/ack', { cursors });
  expectOk(response, 204, z.unknown());
}

export async function getConversation(
  server: TestServer,
  device: Device,
  conversationId: string,
): Promise<ConversationView> {
  const response = await call(server, device, 'GET', `/api/conversations/${conversationId}`);
  return expectOk(response, 200, conversationViewSchema);
}
