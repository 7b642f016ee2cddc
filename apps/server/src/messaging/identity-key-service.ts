import type { UserIdentity } from '@amtsbote/protocol';
import { AppError, notFound } from '../errors.js';
import type { Principal } from '../identity/sessions.js';
import { bytesEqual, decodeBytes, encodeBytes } from './bytes.js';
import { findUserIdentity, insertIdentityKeyOnce } from './identity-keys-store.js';
import type { MessagingContext } from './messaging-context.js';

/*
 * A user's identity public key is published once, by their first device, and then fixed:
 * other members pin it. Rotating or resetting it (lost devices) is not supported yet.
 */

export async function publishIdentityKey(
  ctx: MessagingContext,
  principal: Principal,
  publicKeyText: string,
): Promise<UserIdentity> {
  const publicKey = decodeBytes(publicKeyText, 'publicKey');
  const stored = await insertIdentityKeyOnce(ctx.db, {
    userId: principal.userId,
    organizationId: principal.organizationId,
    publicKey,
    at: ctx.clock.now(),
  });
  if (!bytesEqual(stored, publicKey)) {
    throw new AppError(409, 'identity_key_exists', 'the user already has another identity key');
  }
  return describeUserIdentity(ctx, principal, principal.userId);
}

export async function describeUserIdentity(
  ctx: MessagingContext,
  principal: Principal,
  userId: string,
): Promise<UserIdentity> {
  const identity = await findUserIdentity(ctx.db, principal.organizationId, userId);
  if (identity === undefined) throw notFound('user_not_found', 'user');
  return {
    userId,
    identityKey: identity.publicKey === null ? null : encodeBytes(identity.publicKey),
    deviceIds: [...identity.liveDeviceIds],
  };
}
