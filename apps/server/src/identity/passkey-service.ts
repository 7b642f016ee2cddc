import { base64urlDecode, base64urlEncode } from '@amtsbote/crypto';
import type {
  PasskeyChallenge,
  PasskeyOptionsResponse,
  PasskeyView,
  SessionGrant,
  passkeyLoginRequestSchema,
  passkeyRegisterRequestSchema,
} from '@amtsbote/protocol';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import type { OrganizationRow, PasskeyRow, UserRow } from '../storage/schema.js';
import type { IdentityContext } from './identity-context.js';
import { addressThrottleKey } from './login-service.js';
import { findOrganizationById, findOrganizationBySlug } from './organizations-store.js';
import {
  deletePasskey,
  findPasskeyByCredentialId,
  insertChallenge,
  insertPasskey,
  listPasskeysOfUser,
  recordPasskeyUse,
  takeChallenge,
} from './passkeys-store.js';
import type { Principal } from './sessions.js';
import { openSessionOnNewDevice } from './sessions.js';
import { findUserById, updateUser } from './users-store.js';

const passkeyInvalid = (): AppError =>
  new AppError(401, 'passkey_invalid', 'the passkey could not be verified');
/** Registration happens inside a valid session: a refusal is 400, since 401 would mean "signed out". */
const registrationRefused = (): AppError =>
  new AppError(400, 'passkey_invalid', 'the passkey could not be verified');

function transportsOf(row: PasskeyRow): AuthenticatorTransport[] {
  return row.transports === '' ? [] : (row.transports.split(',') as AuthenticatorTransport[]);
}

/** The WebAuthn user handle of a user: the UTF-8 bytes of the user id, base64url. */
function userHandleOf(user: UserRow): string {
  return base64urlEncode(new TextEncoder().encode(user.id));
}

function toPasskeyView(row: PasskeyRow): PasskeyView {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  };
}

async function storeChallenge(
  ctx: IdentityContext,
  organizationId: string,
  userId: string | null,
  purpose: 'register' | 'login' | 'second_factor',
  challenge: string,
): Promise<string> {
  const now = ctx.clock.now();
  const id = ctx.newId();
  await insertChallenge(ctx.db, {
    id,
    organization_id: organizationId,
    user_id: userId,
    purpose,
    challenge,
    created_at: now,
    expires_at: new Date(now.getTime() + ctx.policy.challengeTtlMs),
  });
  return id;
}

export async function registrationOptions(
  ctx: IdentityContext,
  principal: Principal,
): Promise<PasskeyOptionsResponse> {
  const user = await findUserById(ctx.db, principal.organizationId, principal.userId);
  const organization = await findOrganizationById(ctx.db, principal.organizationId);
  if (user === undefined || organization === undefined) throw passkeyInvalid();
  const existing = await listPasskeysOfUser(ctx.db, principal.organizationId, principal.userId);
  const options = await generateRegistrationOptions({
    rpName: ctx.webauthn.rpName,
    rpID: ctx.webauthn.rpId,
    userName: `${user.username}@${organization.slug}`,
    userDisplayName: user.display_name,
    userID: new TextEncoder().encode(user.id),
    // userHandleOf(user) is this value, base64url-encoded, as authenticators return it.
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.credential_id, transports: transportsOf(p) })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
  const challengeId = await storeChallenge(
    ctx,
    principal.organizationId,
    principal.userId,
    'register',
    options.challenge,
  );
  return { challengeId, options: { ...options } };
}

export async function registerPasskey(
  ctx: IdentityContext,
  principal: Principal,
  request: z.output<typeof passkeyRegisterRequestSchema>,
): Promise<PasskeyView> {
  const challenge = await takeChallenge(ctx.db, request.challengeId);
  if (
    challenge === undefined ||
    challenge.purpose !== 'register' ||
    challenge.organization_id !== principal.organizationId ||
    challenge.user_id !== principal.userId
  ) {
    throw registrationRefused();
  }
  if (challenge.expires_at <= ctx.clock.now()) {
    throw new AppError(400, 'challenge_expired', 'the passkey challenge has expired');
  }
  let verification;
  try {
    verification = await verifyRegistrationResponse({
      response: request.response as unknown as RegistrationResponseJSON,
      expectedChallenge: challenge.challenge,
      expectedOrigin: ctx.webauthn.origin,
      expectedRPID: ctx.webauthn.rpId,
      requireUserVerification: true,
    });
  } catch (error) {
    throw new AppError(400, 'passkey_invalid', 'the passkey could not be verified', {
      cause: error,
    });
  }
  if (!verification.verified) throw registrationRefused();
  const { credential } = verification.registrationInfo;
  const now = ctx.clock.now();
  const row: PasskeyRow = {
    id: ctx.newId(),
    organization_id: principal.organizationId,
    user_id: principal.userId,
    credential_id: credential.id,
    public_key: base64urlEncode(credential.publicKey),
    sign_count: credential.counter,
    transports: (credential.transports ?? []).join(','),
    name: request.name,
    created_at: now,
    last_used_at: null,
  };
  if (
    (await findPasskeyByCredentialId(ctx.db, principal.organizationId, credential.id)) !== undefined
  ) {
    throw registrationRefused();
  }
  await insertPasskey(ctx.db, row);
  return toPasskeyView(row);
}

export async function listPasskeys(
  ctx: IdentityContext,
  principal: Principal,
): Promise<PasskeyView[]> {
  const rows = await listPasskeysOfUser(ctx.db, principal.organizationId, principal.userId);
  return rows.map(toPasskeyView);
}

/** Removing the last passkey also lifts the passkey requirement, or the user would be locked out. */
export async function removePasskey(
  ctx: IdentityContext,
  principal: Principal,
  passkeyId: string,
): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    if (!(await deletePasskey(tx, principal.organizationId, principal.userId, passkeyId))) {
      throw new AppError(404, 'not_found', 'passkey not found');
    }
    if ((await listPasskeysOfUser(tx, principal.organizationId, principal.userId)).length === 0) {
      await updateUser(tx, principal.organizationId, principal.userId, {
        require_passkey: false,
        updated_at: ctx.clock.now(),
      });
    }
  });
}

export async function setRequirePasskey(
  ctx: IdentityContext,
  principal: Principal,
  requirePasskey: boolean,
): Promise<void> {
  if (requirePasskey) {
    const keys = await listPasskeysOfUser(ctx.db, principal.organizationId, principal.userId);
    if (keys.length === 0) {
      throw new AppError(400, 'invalid_request', 'register a passkey first', {
        fields: [{ path: 'requirePasskey', code: 'no_passkey', message: 'no passkey registered' }],
      });
    }
  }
  await updateUser(ctx.db, principal.organizationId, principal.userId, {
    require_passkey: requirePasskey,
    updated_at: ctx.clock.now(),
  });
}

/** After a correct password, for a user who requires a passkey: a challenge for their keys only. */
export async function startSecondFactor(
  ctx: IdentityContext,
  organization: OrganizationRow,
  user: UserRow,
): Promise<PasskeyChallenge> {
  const keys = await listPasskeysOfUser(ctx.db, organization.id, user.id);
  const options = await generateAuthenticationOptions({
    rpID: ctx.webauthn.rpId,
    allowCredentials: keys.map((p) => ({ id: p.credential_id, transports: transportsOf(p) })),
    userVerification: 'required',
  });
  const challengeId = await storeChallenge(
    ctx,
    organization.id,
    user.id,
    'second_factor',
    options.challenge,
  );
  return { status: 'passkey_required', challengeId, options: { ...options } };
}

/** Passkey as the only factor: a discoverable-credential challenge for the organization. */
export async function loginOptions(
  ctx: IdentityContext,
  organizationSlug: string,
): Promise<PasskeyOptionsResponse> {
  const organization = await findOrganizationBySlug(ctx.db, organizationSlug);
  // An unknown organization gets options too, so the answer does not reveal which exist.
  const options = await generateAuthenticationOptions({
    rpID: ctx.webauthn.rpId,
    userVerification: 'required',
  });
  const challengeId =
    organization === undefined
      ? ctx.newId()
      : await storeChallenge(ctx, organization.id, null, 'login', options.challenge);
  return { challengeId, options: { ...options } };
}

/** Completes a passkey-only login or the second step of a password login. */
export async function passkeyLogin(
  ctx: IdentityContext,
  request: z.output<typeof passkeyLoginRequestSchema>,
  clientAddress: string,
): Promise<SessionGrant> {
  const throttleKeys = [addressThrottleKey(clientAddress)];
  ctx.throttle.check(throttleKeys);
  const fail = (): never => {
    ctx.throttle.recordFailure(throttleKeys);
    throw passkeyInvalid();
  };
  const challenge = (await takeChallenge(ctx.db, request.challengeId)) ?? fail();
  if (challenge.purpose === 'register') fail();
  if (challenge.expires_at <= ctx.clock.now()) {
    throw new AppError(401, 'challenge_expired', 'the passkey challenge has expired');
  }
  const response = request.response as unknown as AuthenticationResponseJSON;
  if (typeof response.id !== 'string') fail();
  const passkey =
    (await findPasskeyByCredentialId(ctx.db, challenge.organization_id, response.id)) ?? fail();
  if (challenge.user_id !== null && challenge.user_id !== passkey.user_id) fail();
  const user = (await findUserById(ctx.db, passkey.organization_id, passkey.user_id)) ?? fail();
  const organization = (await findOrganizationById(ctx.db, passkey.organization_id)) ?? fail();
  if (user.status !== 'active') fail();
  // WebAuthn §7.2 step 6: when the authenticator names the user, it must be the credential's owner.
  const userHandle = response.response.userHandle;
  if (userHandle !== undefined && userHandle !== userHandleOf(user)) fail();

  let verification;
  try {
    verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge.challenge,
      expectedOrigin: ctx.webauthn.origin,
      expectedRPID: ctx.webauthn.rpId,
      credential: {
        id: passkey.credential_id,
        publicKey: base64urlDecode(passkey.public_key),
        counter: passkey.sign_count,
        transports: transportsOf(passkey),
      },
      requireUserVerification: true,
    });
  } catch {
    return fail();
  }
  if (!verification.verified) fail();
  return ctx.db.transaction().execute(async (tx) => {
    await recordPasskeyUse(
      tx,
      passkey.id,
      verification.authenticationInfo.newCounter,
      ctx.clock.now(),
    );
    return openSessionOnNewDevice(ctx, tx, organization, user, request.device);
  });
}
