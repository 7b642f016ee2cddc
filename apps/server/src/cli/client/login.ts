import { hostname } from 'node:os';
import { ApiError, HttpApi, MessagingClient } from '@amtsbote/client';
import { userIdentitySchema, type SessionGrant } from '@amtsbote/protocol';
import { z } from 'zod';
import { ClientCliError } from './client-error.js';
import {
  assertProfileDirectoryFree,
  createProfile,
  removeProfileDirectory,
  saveProfileRecord,
} from './profile.js';

export interface LoginInput {
  readonly serverUrl: string;
  readonly profileDir: string;
  readonly org: string;
  readonly username: string;
  readonly password: string;
  readonly deviceName: string | null;
}

export interface LoginResult {
  readonly userId: string;
  readonly deviceId: string;
  readonly organization: string;
  readonly username: string;
  readonly expiresAt: string;
}

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

/**
 * Password login of a new CLI device: nothing is written until the server accepted the login
 * and the user turned out to have no identity key yet (this is the user's first device).
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
  try {
    const identity = await http.request(
      'GET',
      `/api/users/${encodeURIComponent(grant.user.id)}/identity`,
      undefined,
      userIdentitySchema,
    );
    if (identity.identityKey !== null) {
      throw new ClientCliError(
        'device_approval_unavailable',
        `${grant.user.username} already has an identity key on another device; adding a further device needs device approval, which is not available yet`,
      );
    }
    const store = await createProfile(input.profileDir);
    try {
      const client = await MessagingClient.bootstrap({
        http,
        session: {
          organizationId: grant.organization.id,
          userId: grant.user.id,
          deviceId: grant.device.id,
        },
        store,
      });
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
  };
}
