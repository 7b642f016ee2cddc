import { randomUUID } from 'node:crypto';
import {
  EncryptedStore,
  MemoryStore,
  MessagingClient,
  type LocalStore,
  type MessagingClientOptions,
  type MessagingEvent,
  type TimelineItem,
} from '@amtsbote/client';
import { generateStorageKeyBytes, importStorageKey } from '@amtsbote/crypto';
import type { SessionGrant } from '@amtsbote/protocol';
import { WebSocket } from 'ws';
import { createUser, login } from '../sessions/identity-fixtures.js';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';

/* Messaging clients against a real server: real users (admin command + password login), real
   MLS, an encrypted in-memory store unless a test brings its own, and the `ws` WebSocket. */

export const ORG = 'stadt-musterstadt';
const PASSWORD = 'lange Passphrase fuer Tests';
const WAIT_MS = 15_000;
/** Short back-off: tests restart servers and want the clients back quickly. */
export const TEST_RECONNECT = { initialDelayMs: 50, maxDelayMs: 500 } as const;

export async function startMessagingServer(
  options: Parameters<typeof startTestServer>[0] = {},
): Promise<TestServer> {
  const server = await startTestServer(options);
  await setupFirstOrganization(server);
  return server;
}

export interface Person {
  readonly username: string;
  readonly userId: string;
}

export async function newPerson(server: TestServer, name: string): Promise<Person> {
  const username = `${name}-${randomUUID().slice(0, 8)}`;
  const user = await createUser(server, { org: ORG, username, password: PASSWORD });
  return { username, userId: user.id };
}

/** A password login: a new device of the person. */
export async function signIn(server: TestServer, person: Person): Promise<SessionGrant> {
  return login(server, { org: ORG, username: person.username, password: PASSWORD });
}

export async function encryptedMemoryStore(): Promise<LocalStore> {
  return new EncryptedStore(new MemoryStore(), await importStorageKey(generateStorageKeyBytes()));
}

/** A started client and every event it emitted. */
export interface TestDevice {
  readonly client: MessagingClient;
  readonly grant: SessionGrant;
  readonly store: LocalStore;
  readonly events: MessagingEvent[];
}

export interface DeviceOptions {
  readonly store?: LocalStore;
  /** Connect the WebSocket (default true). */
  readonly isLive?: boolean;
  /** A further device of a user, approved by this device of the same user (a device link). */
  readonly approvedBy?: TestDevice;
  /** Only open an existing account (a restart). */
  readonly isRestart?: boolean;
  /** Client options beyond the defaults (a clock, timeouts). */
  readonly extraClientOptions?: Partial<MessagingClientOptions>;
}

export function clientOptions(
  server: TestServer,
  grant: SessionGrant,
  store: LocalStore,
  isLive = true,
): MessagingClientOptions {
  return {
    http: server.api(grant.token),
    session: {
      organizationId: grant.organization.id,
      userId: grant.user.id,
      deviceId: grant.device.id,
    },
    store,
    wsUrl: isLive ? server.wsUrl : null,
    WebSocket,
    reconnect: TEST_RECONNECT,
  };
}

export async function startDevice(
  server: TestServer,
  grant: SessionGrant,
  options: DeviceOptions = {},
): Promise<TestDevice> {
  const store = options.store ?? (await encryptedMemoryStore());
  const clientOptionsFor = {
    ...clientOptions(server, grant, store, options.isLive ?? true),
    ...options.extraClientOptions,
  };
  const approver = options.approvedBy ?? null;
  const client =
    options.isRestart === true
      ? await MessagingClient.open(clientOptionsFor)
      : approver === null
        ? await MessagingClient.bootstrap(clientOptionsFor)
        : await linkDevice(clientOptionsFor, approver);
  const events: MessagingEvent[] = [];
  client.subscribe((event) => events.push(event));
  await client.start();
  const device = { client, grant, store, events };
  return device;
}

/** The device link as a user runs it: the new device shows its QR payload, the other scans it. */
export async function linkDevice(
  options: MessagingClientOptions,
  approver: TestDevice,
): Promise<MessagingClient> {
  const link = await MessagingClient.requestDeviceLink(options);
  await approver.client.approveDevice(link.qrPayload);
  return link.complete({ pollIntervalMs: 25 });
}

/** A new person with one started device. */
export async function personWithDevice(
  server: TestServer,
  name: string,
  options: DeviceOptions = {},
): Promise<TestDevice & { readonly person: Person }> {
  const person = await newPerson(server, name);
  return { person, ...(await startDevice(server, await signIn(server, person), options)) };
}

/** Polls until the condition holds; fails with what it waited for. */
export async function eventually<T>(
  read: () => Promise<T>,
  isDone: (value: T) => boolean,
  what: string,
): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await read();
    if (isDone(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface ShownText {
  readonly text: string;
  readonly senderUserId: string;
}

/** The texts of a timeline in order, with their senders. */
export function textsOf(timeline: readonly TimelineItem[]): ShownText[] {
  return timeline.flatMap((item) =>
    item.kind === 'message' && item.content?.type === 'text'
      ? [{ text: item.content.text, senderUserId: item.sender.userId }]
      : [],
  );
}

/** Waits until the device shows this many texts in the conversation, then returns them. */
export async function textsShown(
  device: TestDevice,
  conversationId: string,
  count: number,
): Promise<ShownText[]> {
  const timeline = await eventually(
    () => device.client.timeline(conversationId),
    (items) => textsOf(items).length >= count,
    `${count} texts on ${device.grant.user.username}'s device`,
  );
  return textsOf(timeline);
}

/** The 'message' events of texts the device emitted for the conversation. */
export function textEvents(device: TestDevice, conversationId: string): ShownText[] {
  return device.events.flatMap((e) =>
    e.type === 'message' && e.conversationId === conversationId && e.content.type === 'text'
      ? [{ text: e.content.text, senderUserId: e.sender.userId }]
      : [],
  );
}

/** Waits until the device's group for the conversation reached the epoch. */
export async function atEpoch(
  device: TestDevice,
  conversationId: string,
  epoch: number,
): Promise<void> {
  await eventually(
    () => device.client.conversation(conversationId),
    (summary) => summary !== null && summary.epoch >= epoch,
    `epoch ${epoch} on ${device.grant.user.username}'s device`,
  );
}

export async function closeDevices(devices: readonly TestDevice[]): Promise<void> {
  for (const device of devices) await device.client.close();
}
