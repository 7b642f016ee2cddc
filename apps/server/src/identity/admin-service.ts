import type {
  DeviceView,
  OrganizationView,
  UserRole,
  UserView,
  updateUserRequestSchema,
} from '@amtsbote/protocol';
import type { z } from 'zod';
import { AppError, notFound } from '../errors.js';
import type { UserRow } from '../storage/schema.js';
import { revokeDeviceAndSessions } from './device-revocation.js';
import { findDevice, listDevicesOfUser } from './devices-store.js';
import type { IdentityContext } from './identity-context.js';
import { createOrganizationWithAdmin, createUser } from './organization-factory.js';
import { findOrganizationBySlug, lockOrganization } from './organizations-store.js';
import { endSessions } from './sessions-store.js';
import {
  countActiveAdmins,
  findUserById,
  findUserByUsername,
  listUsers,
  updateUser,
} from './users-store.js';
import { toDeviceView, toOrganizationView, toUserView } from './views.js';

/* Administration use cases. Callers have checked that the actor is an admin of organizationId. */

export async function createOrganization(
  ctx: IdentityContext,
  input: { slug: string; name: string },
): Promise<OrganizationView> {
  const { organization } = await ctx.db
    .transaction()
    .execute((tx) => createOrganizationWithAdmin(ctx, tx, { ...input, admin: null }));
  return toOrganizationView(organization);
}

export async function requireOrganization(ctx: IdentityContext, slug: string): Promise<string> {
  const organization = await findOrganizationBySlug(ctx.db, slug);
  if (organization === undefined) throw notFound('organization_not_found', 'organization');
  return organization.id;
}

export interface CreateUserInput {
  readonly username: string;
  readonly displayName: string;
  readonly department: string | null;
  readonly role: UserRole;
  readonly password: string | null;
}

export async function createOrganizationUser(
  ctx: IdentityContext,
  organizationId: string,
  input: CreateUserInput,
): Promise<UserView> {
  const passwordHash = input.password === null ? null : await ctx.hasher.hash(input.password);
  const row = await ctx.db
    .transaction()
    .execute((tx) => createUser(ctx, tx, organizationId, { ...input, passwordHash }));
  return toUserView(row);
}

export async function listOrganizationUsers(
  ctx: IdentityContext,
  organizationId: string,
  query: { search?: string | undefined; limit: number },
): Promise<UserView[]> {
  return (await listUsers(ctx.db, organizationId, query)).map(toUserView);
}

async function requireUser(
  ctx: IdentityContext,
  organizationId: string,
  userId: string,
): Promise<UserRow> {
  const user = await findUserById(ctx.db, organizationId, userId);
  if (user === undefined) throw notFound('user_not_found', 'user');
  return user;
}

export async function findUserIdByUsername(
  ctx: IdentityContext,
  organizationId: string,
  username: string,
): Promise<string> {
  const user = await findUserByUsername(ctx.db, organizationId, username);
  if (user === undefined) throw notFound('user_not_found', 'user');
  return user.id;
}

/**
 * Disables a user and ends all their sessions in one transaction, then closes their live
 * connections. The last active administrator cannot be disabled: nobody could undo it.
 */
export async function disableUser(
  ctx: IdentityContext,
  organizationId: string,
  userId: string,
): Promise<UserView> {
  const now = ctx.clock.now();
  const { user, ended } = await ctx.db.transaction().execute(async (tx) => {
    await lockOrganization(tx, organizationId);
    const existing = await findUserById(tx, organizationId, userId);
    if (existing === undefined) throw notFound('user_not_found', 'user');
    if (
      existing.role === 'admin' &&
      existing.status === 'active' &&
      (await countActiveAdmins(tx, organizationId)) <= 1
    ) {
      throw new AppError(409, 'last_admin', 'the last active administrator cannot be disabled');
    }
    await updateUser(tx, organizationId, userId, { status: 'disabled', updated_at: now });
    const endedIds = await endSessions(tx, organizationId, { userId }, now);
    return { user: { ...existing, status: 'disabled' as const, updated_at: now }, ended: endedIds };
  });
  ctx.events.publish({ organizationId, sessionIds: ended, reason: 'user_disabled' });
  return toUserView(user);
}

export async function enableUser(
  ctx: IdentityContext,
  organizationId: string,
  userId: string,
): Promise<UserView> {
  const user = await requireUser(ctx, organizationId, userId);
  const now = ctx.clock.now();
  await updateUser(ctx.db, organizationId, userId, { status: 'active', updated_at: now });
  return toUserView({ ...user, status: 'active', updated_at: now });
}

export async function updateOrganizationUser(
  ctx: IdentityContext,
  organizationId: string,
  userId: string,
  changes: z.output<typeof updateUserRequestSchema>,
): Promise<UserView> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (tx) => {
    await lockOrganization(tx, organizationId);
    const user = await findUserById(tx, organizationId, userId);
    if (user === undefined) throw notFound('user_not_found', 'user');
    if (
      changes.role === 'member' &&
      user.role === 'admin' &&
      user.status === 'active' &&
      (await countActiveAdmins(tx, organizationId)) <= 1
    ) {
      throw new AppError(409, 'last_admin', 'the last active administrator cannot lose the role');
    }
    const set = {
      updated_at: now,
      ...(changes.displayName === undefined ? {} : { display_name: changes.displayName }),
      ...(changes.department === undefined ? {} : { department: changes.department }),
      ...(changes.role === undefined ? {} : { role: changes.role }),
    };
    await updateUser(tx, organizationId, userId, set);
    return toUserView({ ...user, ...set });
  });
}

export async function listUserDevices(
  ctx: IdentityContext,
  organizationId: string,
  userId: string,
): Promise<DeviceView[]> {
  await requireUser(ctx, organizationId, userId);
  return (await listDevicesOfUser(ctx.db, organizationId, userId)).map((d) =>
    toDeviceView(d, null),
  );
}

export async function revokeDeviceAsAdmin(
  ctx: IdentityContext,
  organizationId: string,
  deviceId: string,
): Promise<void> {
  if ((await findDevice(ctx.db, organizationId, deviceId)) === undefined) {
    throw notFound('device_not_found', 'device');
  }
  await revokeDeviceAndSessions(ctx, organizationId, deviceId);
}
