import { hashToken, randomToken } from '@amtsbote/crypto';
import type {
  CreatedInvite,
  InviteView,
  SessionGrant,
  acceptInviteRequestSchema,
  createInviteRequestSchema,
} from '@amtsbote/protocol';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import type { Database, InviteRow } from '../storage/schema.js';
import type { IdentityContext } from './identity-context.js';
import {
  consumeInvite,
  findInviteByTokenHash,
  insertInvite,
  listInvites,
  revokeInvite,
} from './invites-store.js';
import { createUser } from './organization-factory.js';
import { findOrganizationById } from './organizations-store.js';
import { openSessionOnNewDevice } from './sessions.js';
import { toOrganizationView } from './views.js';

function toInviteView(row: InviteRow): InviteView {
  return {
    id: row.id,
    role: row.role,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    usedAt: row.used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}

/** Creates a single-use invite link. The token is in the fragment and is shown only now. */
export async function createInvite(
  ctx: IdentityContext,
  organizationId: string,
  createdBy: string | null,
  request: z.output<typeof createInviteRequestSchema>,
): Promise<CreatedInvite> {
  const token = randomToken();
  const now = ctx.clock.now();
  const row: InviteRow = {
    id: ctx.newId(),
    organization_id: organizationId,
    token_hash: await hashToken(token),
    role: request.role,
    created_by: createdBy,
    created_at: now,
    expires_at: new Date(now.getTime() + request.expiresInHours * 3600_000),
    used_at: null,
    used_by: null,
    revoked_at: null,
  };
  await insertInvite(ctx.db, row);
  return { ...toInviteView(row), url: `${ctx.publicUrl}/invite#${token}` };
}

/** Finds an invite that can still be used, or says precisely why not. */
async function openInvite(
  ctx: IdentityContext,
  db: Kysely<Database>,
  token: string,
): Promise<InviteRow> {
  const row = await findInviteByTokenHash(db, await hashToken(token));
  if (row === undefined || row.revoked_at !== null) {
    throw new AppError(404, 'invite_invalid', 'the invite link is not valid');
  }
  if (row.used_at !== null)
    throw new AppError(410, 'invite_used', 'the invite link was already used');
  if (row.expires_at <= ctx.clock.now()) {
    throw new AppError(410, 'invite_expired', 'the invite link has expired');
  }
  return row;
}

export async function inspectInvite(
  ctx: IdentityContext,
  token: string,
): Promise<{ organization: ReturnType<typeof toOrganizationView>; expiresAt: string }> {
  const invite = await openInvite(ctx, ctx.db, token);
  const organization = await findOrganizationById(ctx.db, invite.organization_id);
  if (organization === undefined)
    throw new AppError(404, 'invite_invalid', 'the invite link is not valid');
  return {
    organization: toOrganizationView(organization),
    expiresAt: invite.expires_at.toISOString(),
  };
}

/** Creates the invited user, their first device and a session; the invite is used up atomically. */
export async function acceptInvite(
  ctx: IdentityContext,
  request: z.output<typeof acceptInviteRequestSchema>,
): Promise<SessionGrant> {
  // Validate the invite before the slow password hash, so a bad link fails fast.
  await openInvite(ctx, ctx.db, request.token);
  const passwordHash = await ctx.hasher.hash(request.password);
  return ctx.db.transaction().execute(async (tx) => {
    const invite = await openInvite(ctx, tx, request.token);
    const organization = await findOrganizationById(tx, invite.organization_id);
    if (organization === undefined)
      throw new AppError(404, 'invite_invalid', 'the invite link is not valid');
    const user = await createUser(ctx, tx, organization.id, {
      username: request.username,
      displayName: request.displayName,
      department: request.department ?? null,
      passwordHash,
      role: invite.role,
    });
    if (!(await consumeInvite(tx, invite.id, user.id, ctx.clock.now()))) {
      throw new AppError(410, 'invite_used', 'the invite link was already used');
    }
    return openSessionOnNewDevice(ctx, tx, organization, user, request.device);
  });
}

export async function listOrganizationInvites(
  ctx: IdentityContext,
  organizationId: string,
): Promise<InviteView[]> {
  return (await listInvites(ctx.db, organizationId)).map(toInviteView);
}

export async function revokeOrganizationInvite(
  ctx: IdentityContext,
  organizationId: string,
  inviteId: string,
): Promise<void> {
  if (!(await revokeInvite(ctx.db, organizationId, inviteId, ctx.clock.now()))) {
    throw new AppError(404, 'not_found', 'open invite not found');
  }
}
