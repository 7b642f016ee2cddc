import type { LoginResponse } from '@amtsbote/protocol';
import type { loginRequestSchema } from '@amtsbote/protocol';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import type { IdentityContext } from './identity-context.js';
import { findOrganizationBySlug } from './organizations-store.js';
import { startSecondFactor } from './passkey-service.js';
import { openSessionOnNewDevice } from './sessions.js';
import { findUserByUsername, usernameKey } from './users-store.js';

export const invalidCredentials = (): AppError =>
  new AppError(401, 'invalid_credentials', 'username or password is wrong');

export const accountThrottleKey = (organization: string, username: string): string =>
  `account:${organization}:${usernameKey(username)}`;
export const addressThrottleKey = (address: string): string => `address:${address}`;

/**
 * Password login. Unknown organization, unknown user, disabled user and wrong password all give
 * the same answer after the same work (a dummy hash), so the caller learns nothing about accounts.
 */
export async function passwordLogin(
  ctx: IdentityContext,
  request: z.output<typeof loginRequestSchema>,
  clientAddress: string,
): Promise<LoginResponse> {
  const accountKey = accountThrottleKey(request.organization, request.username);
  const keys = [accountKey, addressThrottleKey(clientAddress)];
  ctx.throttle.check(keys);

  const organization = await findOrganizationBySlug(ctx.db, request.organization);
  const user =
    organization === undefined
      ? undefined
      : await findUserByUsername(ctx.db, organization.id, request.username);
  const isValid =
    user !== undefined && user.password_hash !== null && user.status === 'active'
      ? await ctx.hasher.verify(user.password_hash, request.password)
      : await ctx.hasher.verifyDummy(request.password);
  if (!isValid || organization === undefined || user === undefined) {
    ctx.throttle.recordFailure(keys);
    throw invalidCredentials();
  }
  ctx.throttle.recordSuccess([accountKey]);
  if (user.require_passkey) {
    return startSecondFactor(ctx, organization, user);
  }
  return ctx.db
    .transaction()
    .execute((tx) => openSessionOnNewDevice(ctx, tx, organization, user, request.device));
}
