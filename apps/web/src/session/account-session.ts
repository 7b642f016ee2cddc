import {
  HttpApi,
  MessagingClient,
  type DeviceLinkView,
  type LocalStore,
  type MessagingClientOptions,
} from '@amtsbote/client';
import { userIdentitySchema, type SessionGrant } from '@amtsbote/protocol';
import { z } from 'zod';
import { profileOfGrant, readProfile, saveProfile, type WebProfile } from './web-profile.js';

/** A signed-in, unlocked device: its messaging client running over the vault's store. */
export interface AccountSession {
  readonly profile: WebProfile;
  readonly client: MessagingClient;
  readonly http: HttpApi;
  readonly store: LocalStore;
}

/** How a new device gets the user secrets. */
export type DeviceSetupNeed = 'first_device' | 'approval';

export function webSocketUrl(origin: string): string {
  return `${origin.replace(/^http/, 'ws')}/api/ws`;
}

function clientOptions(
  origin: string,
  http: HttpApi,
  profile: WebProfile,
  store: LocalStore,
): MessagingClientOptions {
  return {
    http,
    store,
    session: {
      organizationId: profile.organizationId,
      userId: profile.userId,
      deviceId: profile.deviceId,
    },
    wsUrl: webSocketUrl(origin),
    WebSocket: globalThis.WebSocket,
  };
}

/** Whether the user of a new session already has a device (then this one must be approved). */
export async function deviceSetupNeed(
  http: HttpApi,
  grant: SessionGrant,
): Promise<DeviceSetupNeed> {
  const identity = await http.request(
    'GET',
    `/api/users/${encodeURIComponent(grant.user.id)}/identity`,
    undefined,
    userIdentitySchema,
  );
  return identity.identityKey === null ? 'first_device' : 'approval';
}

/**
 * The user's first device: creates the account's keys in the vault's store, remembers the
 * profile there and starts the client. The recovery key is returned to be shown once.
 */
export async function startFirstDevice(
  origin: string,
  http: HttpApi,
  grant: SessionGrant,
  store: LocalStore,
): Promise<{ session: AccountSession; recoveryKey: string | null }> {
  const profile = profileOfGrant(grant);
  const client = await MessagingClient.bootstrap(clientOptions(origin, http, profile, store));
  const recoveryKey = client.takeRecoveryKey();
  await saveProfile(store, profile);
  await client.start();
  return { session: { profile, client, http, store }, recoveryKey };
}

/** A further device, set up with the recovery key the user typed. */
export async function startWithRecoveryKey(
  origin: string,
  http: HttpApi,
  grant: SessionGrant,
  store: LocalStore,
  recoveryKey: string,
): Promise<AccountSession> {
  const profile = profileOfGrant(grant);
  const client = await MessagingClient.bootstrapWithRecoveryKey(
    clientOptions(origin, http, profile, store),
    recoveryKey,
  );
  await saveProfile(store, profile);
  await client.start();
  return { profile, client, http, store };
}

/** The device after an unlock: the profile from the vault, the client opened and started. */
export async function resumeSession(
  origin: string,
  store: LocalStore,
): Promise<AccountSession | null> {
  const profile = await readProfile(store);
  if (profile === null) return null;
  const http = new HttpApi({ baseUrl: origin, token: profile.token });
  const client = await MessagingClient.open(clientOptions(origin, http, profile, store));
  await client.start();
  return { profile, client, http, store };
}

/** Ends the session on the server (best effort) and stops the client; the caller wipes the vault. */
export async function endSession(session: AccountSession): Promise<void> {
  await session.client.close().catch(() => undefined);
  await session.http
    .request('POST', '/api/auth/logout', undefined, z.unknown())
    .catch(() => undefined);
}

/** A new device waiting for approval by another device of the user. */
export interface PendingDeviceLink {
  readonly view: DeviceLinkView;
  /** Resolves once approved, with the device set up and started. */
  complete(signal: AbortSignal): Promise<AccountSession>;
}

/** Asks the user's other devices to approve this one (or see startWithRecoveryKey). */
export async function requestDeviceLink(
  origin: string,
  http: HttpApi,
  grant: SessionGrant,
  store: LocalStore,
): Promise<PendingDeviceLink> {
  const profile = profileOfGrant(grant);
  const link = await MessagingClient.requestDeviceLink(clientOptions(origin, http, profile, store));
  return {
    view: link,
    complete: async (signal) => {
      const client = await link.complete({ signal });
      await saveProfile(store, profile);
      await client.start();
      return { profile, client, http, store };
    },
  };
}
