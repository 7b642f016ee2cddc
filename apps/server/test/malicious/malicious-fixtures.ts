import { randomUUID } from 'node:crypto';
import { HttpApi, MessagingClient, type MessagingEvent } from '@amtsbote/client';
import {
  InMemoryKeyPackageStore,
  MLS_CIPHERSUITES,
  base64urlEncode,
  createDevice,
  generateKeyPackages,
  type Device,
  type IdentityKeyPair,
  type KeyPackageLifetime,
} from '@amtsbote/crypto';
import {
  claimKeyPackagesResponseSchema,
  type ClaimedKeyPackage,
  CIPHERSUITES,
  type SessionGrant,
  type SyncEvent,
} from '@amtsbote/protocol';
import type { TestServer } from '../support/test-server.js';
import {
  clientOptions,
  encryptedMemoryStore,
  linkDevice,
  newPerson,
  personWithDevice,
  signIn,
  startDevice,
  type Person,
  type TestDevice,
} from '../client/client-fixtures.js';
import { ForgedLog } from './forged-log.js';
import { TamperingFetch } from './tampering-fetch.js';

/*
 * Real clients behind a lying server: every HTTP call of the device passes a TamperingFetch,
 * and the device has no WebSocket, so nothing reaches it around the lies.
 */

export interface DeceivedDevice extends TestDevice {
  readonly person: Person;
  readonly tampering: TamperingFetch;
  readonly log: ForgedLog;
}

export async function deceivedDevice(
  server: TestServer,
  person: Person,
  options: {
    /** A further device of the person, approved by this one (a device link). */
    readonly approvedBy?: TestDevice;
    /** Lies to tell before the device starts (start() already fetches). */
    readonly before?: (tampering: TamperingFetch) => void;
  } = {},
): Promise<DeceivedDevice> {
  const grant = await signIn(server, person);
  const store = await encryptedMemoryStore();
  const tampering = new TamperingFetch(server.baseUrl);
  const log = new ForgedLog(tampering);
  const http = new HttpApi({ baseUrl: server.baseUrl, token: grant.token, fetch: tampering.fetch });
  const clientOptionsFor = { ...clientOptions(server, grant, store, false), http };
  const client =
    options.approvedBy === undefined
      ? await MessagingClient.bootstrap(clientOptionsFor)
      : await linkDevice(clientOptionsFor, options.approvedBy);
  const events: MessagingEvent[] = [];
  client.subscribe((event) => events.push(event));
  options.before?.(tampering);
  await client.start();
  return { client, grant, store, events, person, tampering, log };
}

/**
 * A started device of the person whose every HTTP call passes a TamperingFetch with the given
 * rules in place from the first call, and nothing else: no forged log. The rules may lie as a
 * dishonest client (rewriting what the device sends) or as a dishonest server (rewriting what it
 * receives). The device has no WebSocket, so nothing reaches it around the rules.
 */
export async function tamperedDevice(
  server: TestServer,
  person: Person,
  rules: (tampering: TamperingFetch) => void,
): Promise<TestDevice> {
  const grant = await signIn(server, person);
  const tampering = new TamperingFetch(server.baseUrl);
  rules(tampering);
  const http = new HttpApi({ baseUrl: server.baseUrl, token: grant.token, fetch: tampering.fetch });
  return startDevice(server, grant, { isLive: false, extraClientOptions: { http } });
}

export async function deceivedPerson(server: TestServer, name: string): Promise<DeceivedDevice> {
  return deceivedDevice(server, await newPerson(server, name));
}

/** The ciphersuite MessagingClient gives new accounts. */
export const CLIENT_CIPHERSUITE = CIPHERSUITES.xwing;

/** Replaces the answer to the device's next key-package claim. */
export function answerNextClaim(
  device: DeceivedDevice,
  answer: (real: readonly ClaimedKeyPackage[]) => readonly ClaimedKeyPackage[],
): void {
  device.tampering.onResponse(
    'POST',
    /^\/api\/key-packages\/claim$/,
    (body) => ({ keyPackages: answer(claimKeyPackagesResponseSchema.parse(body).keyPackages) }),
    1,
  );
}

/** Claims real key packages, as the server could hand them out, with any session's token. */
export async function claimWith(
  server: TestServer,
  grant: SessionGrant,
  userIds: readonly string[],
): Promise<ClaimedKeyPackage[]> {
  const { keyPackages } = await server
    .api(grant.token)
    .request(
      'POST',
      '/api/key-packages/claim',
      { ciphersuite: CLIENT_CIPHERSUITE, userIds, excludeDeviceIds: [] },
      claimKeyPackagesResponseSchema,
    );
  return keyPackages;
}

/** A device whose credential some identity key signed: the user's real one, or a forger's. */
export function deviceSignedBy(
  identityKey: IdentityKeyPair,
  ids: { readonly organizationId: string; readonly userId: string; readonly deviceId?: string },
): Device {
  return createDevice(identityKey, { ...ids, deviceId: ids.deviceId ?? randomUUID() });
}

/** A claim entry for a key package of the device, filed under the user and device it names. */
export async function claimEntryFor(
  device: Device,
  options: { readonly lifetime?: KeyPackageLifetime } = {},
): Promise<ClaimedKeyPackage> {
  const [keyPackage] = await generateKeyPackages(device, 1, {
    ciphersuite: MLS_CIPHERSUITES.xwing,
    lastResort: false,
    store: new InMemoryKeyPackageStore(),
    ...(options.lifetime === undefined ? {} : { lifetime: options.lifetime }),
  });
  if (keyPackage === undefined) throw new Error('no key package generated');
  return {
    userId: device.credential.userId,
    deviceId: device.credential.deviceId,
    keyPackage: base64urlEncode(keyPackage),
    isLastResort: false,
  };
}

/** The events of one type a device emitted. */
export function eventsOf<T extends MessagingEvent['type']>(
  device: TestDevice,
  type: T,
): Extract<MessagingEvent, { type: T }>[] {
  return device.events.filter((e): e is Extract<MessagingEvent, { type: T }> => e.type === type);
}

/** The device ids in the device's view of the group, sorted. */
export async function groupDeviceIds(
  device: TestDevice,
  conversationId: string,
): Promise<string[]> {
  const summary = await device.client.conversation(conversationId);
  return (summary?.members ?? []).map((m) => m.deviceId).sort();
}

/** Anna and Bernd in a conversation Anna made; Bernd's server lies, Anna's does not. */
export async function annaAndDeceivedBernd(server: TestServer): Promise<{
  readonly anna: TestDevice & { readonly person: Person };
  readonly bernd: DeceivedDevice;
  readonly id: string;
}> {
  const anna = await personWithDevice(server, 'anna');
  const bernd = await deceivedPerson(server, 'bernd');
  const { conversationId: id } = await anna.client.createConversation({
    kind: 'group',
    memberUserIds: [bernd.person.userId],
  });
  await bernd.client.sync();
  return { anna, bernd, id };
}

/** Puts the event into the device's log after what it has seen, before what comes next. */
export function insertNext(device: DeceivedDevice, conversationId: string, event: SyncEvent): void {
  const afterSeq = device.log.lastSeq(conversationId);
  device.log.editNextPage((events) => [...events, { afterSeq, event }]);
}

/** [event type, code] of each decrypt_failed the device emitted for the conversation. */
export function failuresIn(device: TestDevice, conversationId: string): [string, string][] {
  return eventsOf(device, 'decrypt_failed')
    .filter((e) => e.conversationId === conversationId)
    .map((e) => [e.eventType, e.code]);
}
