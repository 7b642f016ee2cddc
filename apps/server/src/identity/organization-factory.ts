import type { UserRole } from '@amtsbote/protocol';
import type { Kysely } from 'kysely';
import { AppError } from '../errors.js';
import type { Database, OrganizationRow, UserRow } from '../storage/schema.js';
import type { IdentityContext } from './identity-context.js';
import { findOrganizationBySlug, insertOrganization } from './organizations-store.js';
import { findUserByUsername, insertUser, usernameKey } from './users-store.js';

export interface NewUser {
  readonly username: string;
  readonly displayName: string;
  readonly department: string | null;
  /**
   * argon2id hash, computed by the caller before its transaction so the slow hash never holds
   * a database connection. null: no password login (passkey only).
   */
  readonly passwordHash: string | null;
  readonly role: UserRole;
}

/** Inserts a user after checking the username is free in the organization (case-insensitive). */
export async function createUser(
  ctx: IdentityContext,
  tx: Kysely<Database>,
  organizationId: string,
  user: NewUser,
): Promise<UserRow> {
  if ((await findUserByUsername(tx, organizationId, user.username)) !== undefined) {
    throw new AppError(409, 'username_taken', 'this username is already taken', {
      fields: [{ path: 'username', code: 'taken', message: 'already taken' }],
    });
  }
  const now = ctx.clock.now();
  const row: UserRow = {
    id: ctx.newId(),
    organization_id: organizationId,
    username: user.username,
    username_key: usernameKey(user.username),
    display_name: user.displayName,
    department: user.department,
    role: user.role,
    status: 'active',
    password_hash: user.passwordHash,
    require_passkey: false,
    created_at: now,
    updated_at: now,
  };
  await insertUser(tx, row);
  return row;
}

export interface NewOrganization {
  readonly slug: string;
  readonly name: string;
  readonly admin: NewUser | null;
}

export async function createOrganizationWithAdmin(
  ctx: IdentityContext,
  tx: Kysely<Database>,
  input: NewOrganization & { admin: NewUser },
): Promise<{ organization: OrganizationRow; user: UserRow }>;
export async function createOrganizationWithAdmin(
  ctx: IdentityContext,
  tx: Kysely<Database>,
  input: NewOrganization,
): Promise<{ organization: OrganizationRow; user: UserRow | null }>;
export async function createOrganizationWithAdmin(
  ctx: IdentityContext,
  tx: Kysely<Database>,
  input: NewOrganization,
): Promise<{ organization: OrganizationRow; user: UserRow | null }> {
  if ((await findOrganizationBySlug(tx, input.slug)) !== undefined) {
    throw new AppError(409, 'organization_slug_taken', 'an organization with this slug exists', {
      fields: [{ path: 'organization.slug', code: 'taken', message: 'already taken' }],
    });
  }
  const organization: OrganizationRow = {
    id: ctx.newId(),
    slug: input.slug,
    name: input.name,
    created_at: ctx.clock.now(),
  };
  await insertOrganization(tx, organization);
  const user =
    input.admin === null ? null : await createUser(ctx, tx, organization.id, input.admin);
  return { organization, user };
}
