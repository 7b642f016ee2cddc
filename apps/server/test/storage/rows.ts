import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { insertDevice } from '../../src/identity/devices-store.js';
import { insertOrganization } from '../../src/identity/organizations-store.js';
import { insertSession } from '../../src/identity/sessions-store.js';
import { insertUser, usernameKey } from '../../src/identity/users-store.js';
import type {
  Database,
  DeviceRow,
  OrganizationRow,
  SessionRow,
  UserRow,
} from '../../src/storage/schema.js';

/** Row builders for the storage contract: each call makes fresh ids, so tests never collide. */

/** A fixed instant; tests place everything relative to it. */
export const T0 = new Date('2026-01-05T08:00:00.000Z');

export const minutesAfter = (minutes: number, from: Date = T0): Date =>
  new Date(from.getTime() + minutes * 60_000);

export const uniqueSlug = (prefix = 'org'): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export async function addOrganization(
  db: Kysely<Database>,
  overrides: Partial<OrganizationRow> = {},
): Promise<OrganizationRow> {
  const slug = overrides.slug ?? uniqueSlug();
  const row: OrganizationRow = {
    id: randomUUID(),
    slug,
    name: `Organization ${slug}`,
    created_at: T0,
    ...overrides,
  };
  await insertOrganization(db, row);
  return row;
}

export async function addUser(
  db: Kysely<Database>,
  organizationId: string,
  overrides: Partial<UserRow> = {},
): Promise<UserRow> {
  const username = overrides.username ?? `user.${randomUUID().slice(0, 8)}`;
  const row: UserRow = {
    id: randomUUID(),
    organization_id: organizationId,
    username,
    username_key: usernameKey(username),
    display_name: `Name of ${username}`,
    department: null,
    role: 'member',
    status: 'active',
    password_hash: null,
    require_passkey: false,
    created_at: T0,
    updated_at: T0,
    ...overrides,
  };
  await insertUser(db, row);
  return row;
}

export async function addDevice(
  db: Kysely<Database>,
  user: Pick<UserRow, 'id' | 'organization_id'>,
  overrides: Partial<DeviceRow> = {},
): Promise<DeviceRow> {
  const row: DeviceRow = {
    id: randomUUID(),
    organization_id: user.organization_id,
    user_id: user.id,
    name: 'Laptop',
    platform: 'web',
    kind: 'personal',
    created_at: T0,
    last_seen_at: T0,
    revoked_at: null,
    ...overrides,
  };
  await insertDevice(db, row);
  return row;
}

export async function addSession(
  db: Kysely<Database>,
  device: Pick<DeviceRow, 'id' | 'organization_id' | 'user_id'>,
  overrides: Partial<SessionRow> = {},
): Promise<SessionRow> {
  const row: SessionRow = {
    id: randomUUID(),
    organization_id: device.organization_id,
    user_id: device.user_id,
    device_id: device.id,
    token_hash: `hash-${randomUUID()}`,
    created_at: T0,
    last_used_at: T0,
    expires_at: minutesAfter(60),
    ended_at: null,
    ...overrides,
  };
  await insertSession(db, row);
  return row;
}

/** An organization with one user on one device: the usual starting point. */
export async function addUserWithDevice(
  db: Kysely<Database>,
): Promise<{ organization: OrganizationRow; user: UserRow; device: DeviceRow }> {
  const organization = await addOrganization(db);
  const user = await addUser(db, organization.id);
  const device = await addDevice(db, user);
  return { organization, user, device };
}
