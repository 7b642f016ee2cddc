import type { SessionGrant } from '@amtsbote/protocol';
import { hashToken, randomToken } from '@amtsbote/crypto';
import type { setupRequestSchema } from '@amtsbote/protocol';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import type { IdentityContext } from './identity-context.js';
import { countOrganizations } from './organizations-store.js';
import { createOrganizationWithAdmin } from './organization-factory.js';
import { openSessionOnNewDevice } from './sessions.js';
import {
  consumeSetupToken,
  findSetupTokenByHash,
  replaceSetupToken,
} from './setup-tokens-store.js';

export interface SetupLink {
  readonly url: string;
  readonly expiresAt: Date;
}

export async function isSetupDone(ctx: IdentityContext): Promise<boolean> {
  return (await countOrganizations(ctx.db)) > 0;
}

/**
 * At start, while no organization exists, makes a fresh one-time setup link (invalidating any
 * earlier one) for the console. Returns null once setup is done.
 */
export async function issueSetupLinkIfNeeded(ctx: IdentityContext): Promise<SetupLink | null> {
  if (await isSetupDone(ctx)) return null;
  const token = randomToken();
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + ctx.policy.setupLinkTtlMs);
  await replaceSetupToken(ctx.db, {
    id: ctx.newId(),
    token_hash: await hashToken(token),
    created_at: now,
    expires_at: expiresAt,
    used_at: null,
  });
  // The token sits in the fragment, which browsers never send to the server or its logs.
  return { url: `${ctx.publicUrl}/setup#${token}`, expiresAt };
}

/** Creates the first organization and its administrator from a setup link, all or nothing. */
export async function completeSetup(
  ctx: IdentityContext,
  request: z.output<typeof setupRequestSchema>,
): Promise<SessionGrant> {
  const tokenHash = await hashToken(request.token);
  const passwordHash = await ctx.hasher.hash(request.admin.password);
  return ctx.db.transaction().execute(async (tx) => {
    const row = await findSetupTokenByHash(tx, tokenHash);
    const now = ctx.clock.now();
    if (row === undefined) {
      if ((await countOrganizations(tx)) > 0) {
        throw new AppError(409, 'setup_already_done', 'setup has already been completed');
      }
      throw new AppError(404, 'setup_link_invalid', 'the setup link is not valid');
    }
    if (row.used_at !== null) {
      throw new AppError(409, 'setup_already_done', 'setup has already been completed');
    }
    if (row.expires_at <= now) {
      throw new AppError(
        410,
        'setup_link_expired',
        'the setup link has expired; restart the server for a new one',
      );
    }
    if (!(await consumeSetupToken(tx, row.id, now))) {
      throw new AppError(409, 'setup_already_done', 'setup has already been completed');
    }
    const { organization, user } = await createOrganizationWithAdmin(ctx, tx, {
      slug: request.organization.slug,
      name: request.organization.name,
      admin: {
        username: request.admin.username,
        displayName: request.admin.displayName,
        department: request.admin.department ?? null,
        passwordHash,
        role: 'admin',
      },
    });
    return openSessionOnNewDevice(ctx, tx, organization, user, request.device);
  });
}
