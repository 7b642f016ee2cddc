import { JsonCollection, type LocalStore } from '@amtsbote/client';
import type { SessionGrant } from '@amtsbote/protocol';
import { z } from 'zod';

/*
 * What the web app remembers about its account, inside the vault (never in localStorage): the
 * session token and the ids the messaging client needs to open its device again.
 */

const PROFILE_KEY = 'web-profile';

const webProfileSchema = z.strictObject({
  version: z.literal(1),
  token: z.string().min(1).max(512),
  sessionId: z.uuid(),
  organizationId: z.uuid(),
  organizationSlug: z.string().max(100),
  organizationName: z.string().max(200),
  userId: z.uuid(),
  username: z.string().max(100),
  displayName: z.string().max(200),
  deviceId: z.uuid(),
  isAdmin: z.boolean(),
});
export type WebProfile = z.infer<typeof webProfileSchema>;

function profiles(store: LocalStore): JsonCollection<WebProfile> {
  return new JsonCollection(store, 'profile', webProfileSchema);
}

export function profileOfGrant(grant: SessionGrant): WebProfile {
  return {
    version: 1,
    token: grant.token,
    sessionId: grant.sessionId,
    organizationId: grant.organization.id,
    organizationSlug: grant.organization.slug,
    organizationName: grant.organization.name,
    userId: grant.user.id,
    username: grant.user.username,
    displayName: grant.user.displayName,
    deviceId: grant.device.id,
    isAdmin: grant.user.role === 'admin',
  };
}

export async function readProfile(store: LocalStore): Promise<WebProfile | null> {
  return profiles(store).get(PROFILE_KEY);
}

export async function saveProfile(store: LocalStore, profile: WebProfile): Promise<void> {
  await profiles(store).put(PROFILE_KEY, profile);
}
