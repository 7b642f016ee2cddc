import { hostname } from 'node:os';
import {
  ApiError,
  HttpApi,
  MessagingClient,
  type DeviceLinkView,
  type LocalStore,
  type MessagingClientOptions,
} from '@amtsbote/client';
import { userIdentitySchema, type SessionGrant } from '@amtsbote/protocol';
import { z } from 'zod';
import { ClientCliError } from './client-error.js';
import {
  assertProfileDirectoryFree,
  createProfile,
  removeProfileDirectory,
  saveProfileRecord,
} from './profile.js';

/** How this device gets the user secrets: new ones (first device), from a device, or recovery. */
export type LoginSetup =
  | { readonly kind: 'first' }
  | {
      readonly kind: 'link';
      /** Shows the code and QR payload; the login then waits for the approval. */
      readonly onLink: (link: DeviceLinkView) => void;
      readonly signal?: AbortSignal;
    }
  | { readonly kind: 'recovery'; readonly recoveryKey: string };

export interface LoginInput {
  readonly serverUrl: string;
  readonly profileDir: string;
  readonly org: string;
  readonly username: string;
  readonly password: string;
  readonly deviceName: string | null;
  readonly setup: LoginSetup;
}

export interface LoginResult {
  readonly userId: string;
  readonly deviceId: string;
  readonly organization: string;
  readonly username: string;
  readonly expiresAt: string;
  /** The first device's recovery key: printed this once, stored nowhere. */
  readonly recoveryKey: string | null;
}

/** How often a waiting `login --link` asks whether it was approved. */
const LINK_POLL_INTERVAL_MS = 1000;

async function passwordLogin(http: HttpApi, input: LoginInput): Promise<SessionGrant> {
  const response = await http
    .login({
      organization: input.org,
      username: input.username,
      password: input.password,
      device: {
        name: input.deviceName ?? `amtsbote client on ${hostname()}`.slice(0, 80),
        platform: 'cli',
        kind: 'managed',
      },
    })
    .catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 401) {
        throw new ClientCliError(error.code, 'the organization, username or password is wrong', 2, {
          cause: error,
        });
      }
      throw error;
    });
  if (response.status !== 'authenticated') {
    throw new ClientCliError(
      'passkey_required',
      'this account must sign in with a passkey; the command-line client supports password login only',
    );
  }
  return response;
}

/** Ends the session just opened when the profile cannot be set up, so no orphan session stays. */
async function endSession(http: HttpApi): Promise<void> {
  await http
    .request('POST', '/api/auth/logout', undefined, z.object({ status: z.literal('ended') }))
    .catch(() => undefined);
}

/** Refuses, before anything is written, a setup that cannot work for this user. */
function checkSetup(setup: LoginSetup, username: string, hasIdentityKey: boolean): void {
  if (setup.kind === 'first' && hasIdentityKey) {
    throw new ClientCliError(
      'device_approval_required',
      `${username} already has a device: add this one with --link (approve it on another device of yours) or --recovery-key-stdin`,
    );
  }
  if (setup.kind !== 'first' && !hasIdentityKey) {
    throw new ClientCliError(
      'no_device_yet',
      `${username} has no device yet: log in without --link and --recovery-key-stdin`,
    );
  }
}

async function setUpDevice(options: MessagingClientOptions, setup: LoginSetup) {
  switch (setup.kind) {
    case 'first':
      return MessagingClient.bootstrap(options);
    case 'recovery':
      return MessagingClient.bootstrapWithRecoveryKey(options, setup.recoveryKey);
    case 'link': {
      const link = await MessagingClient.requestDeviceLink(options);
      setup.onLink(link);
      return link.complete({
        pollIntervalMs: LINK_POLL_INTERVAL_MS,
        ...(setup.signal === undefined ? {} : { signal: setup.signal }),
      });
    }
  }
}

async function setUpProfile(
  http: HttpApi,
  store: LocalStore,
  grant: SessionGrant,
  input: LoginInput,
  serverUrl: string,
): Promise<string | null> {
  const session = {
    organizationId: grant.organization.id,
    userId: grant.user.id,
    deviceId: grant.device.id,
  };
  const client = await setUpDevice({ http, session, store }, input.setup);
  const recoveryKey = client.takeRecoveryKey();
  try {
    await client.start();
  } finally {
    await client.close();
  }
  await saveProfileRecord(store, {
    serverUrl,
    token: grant.token,
    expiresAt: grant.expiresAt,
    organizationId: grant.organization.id,
    organizationSlug: grant.organization.slug,
    userId: grant.user.id,
    username: grant.user.username,
    deviceId: grant.device.id,
  });
  return recoveryKey;
}

/**
 * Password login of a new CLI device: nothing is written until the server accepted the login
 * and the setup fits the user (a first device for a user without one, otherwise a device link
 * or the recovery key). A failed setup removes the profile and ends the session.
 */
export async function loginToNewProfile(input: LoginInput): Promise<LoginResult> {
  let serverUrl: string;
  try {
    serverUrl = new URL(input.serverUrl).origin;
  } catch (error) {
    throw new ClientCliError('invalid_server', `${input.serverUrl} is not a URL`, 2, {
      cause: error,
    });
  }
  await assertProfileDirectoryFree(input.profileDir);
  const http = new HttpApi({ baseUrl: serverUrl });
  const grant = await passwordLogin(http, input);
  let recoveryKey: string | null;
  try {
    const identity = await http.request(
      'GET',
      `/api/users/${encodeURIComponent(grant.user.id)}/identity`,
      undefined,
      userIdentitySchema,
    );
    checkSetup(input.setup, grant.user.username, identity.identityKey !== null);
    const store = await createProfile(input.profileDir);
    try {
      recoveryKey = await setUpProfile(http, store, grant, input, serverUrl);
      await store.close();
    } catch (error) {
      await store.close().catch(() => undefined);
      await removeProfileDirectory(input.profileDir);
      throw error;
    }
  } catch (error) {
    await endSession(http);
    throw error;
  }
  return {
    userId: grant.user.id,
    deviceId: grant.device.id,
    organization: grant.organization.slug,
    username: grant.user.username,
    expiresAt: grant.expiresAt,
    recoveryKey,
  };
}
