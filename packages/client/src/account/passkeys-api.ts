import { VAULT_PRF_OUTPUT_BYTES, base64urlEncode, vaultPrfEvaluationInput } from '@amtsbote/crypto';
import {
  passkeyOptionsResponseSchema,
  passkeyViewSchema,
  sessionGrantSchema,
  type DeviceInfo,
  type PasskeyChallenge,
  type PasskeyView,
  type SessionGrant,
} from '@amtsbote/protocol';
import { z } from 'zod';
import type { HttpApi } from '../http-api.js';
import type { PasskeyAuthenticator, WebAuthnJson } from './passkey-authenticator.js';
import { PasskeyError } from './passkey-error.js';

/*
 * Passkeys of the account (ADR 0004) and the passkey unlock of the vault (ADR 0016). The server
 * runs the WebAuthn ceremonies' checks (@simplewebauthn/server); this side asks the browser
 * through a PasskeyAuthenticator. The PRF output that unlocks the vault is evaluated at
 * vaultPrfEvaluationInput() and never sent anywhere.
 */

const passkeysSchema = z.object({ passkeys: z.array(passkeyViewSchema) });
const noContentSchema = z.null();

/** A local challenge for a PRF-only assertion: nothing verifies it, it only has to be fresh. */
const LOCAL_CHALLENGE_BYTES = 32;
/** How long the browser waits for the user at a vault unlock. */
const VAULT_PROMPT_TIMEOUT_MS = 120_000;

export type RandomBytes = (length: number) => Uint8Array;

const cryptoRandomBytes: RandomBytes = (length) =>
  globalThis.crypto.getRandomValues(new Uint8Array(length));

/** What lets a passkey unlock the vault: the Vault's PrfUnlock (@amtsbote/client/browser). */
export interface VaultPrfUnlock {
  readonly credentialId: Uint8Array;
  readonly prfOutput: Uint8Array;
}

export interface RegisterPasskeyOptions {
  /** The passkey's name in the user's list, e.g. the device it is on. */
  readonly name: string;
  /** Also ask for the PRF output that unlocks the vault. */
  readonly isForVault: boolean;
}

export interface RegisteredPasskey {
  readonly passkey: PasskeyView;
  /** The vault unlock when asked for and the passkey gives one; null otherwise. */
  readonly vaultUnlock: VaultPrfUnlock | null;
  /** Why the passkey does not unlock the vault although asked (it is registered all the same). */
  readonly vaultUnlockRefusal: PasskeyError | null;
}

function checkedPrfOutput(prfOutput: Uint8Array | null): Uint8Array {
  if (prfOutput?.length !== VAULT_PRF_OUTPUT_BYTES) {
    throw new PasskeyError('prf_unavailable', 'the passkey gives no PRF output');
  }
  return prfOutput;
}

/**
 * The vault's PRF output from a passkey: the one with that credential id, or (null) the one the
 * user picks. Runs offline: the assertion is not sent to the server.
 */
export async function vaultPrfUnlock(
  authenticator: PasskeyAuthenticator,
  credentialId: Uint8Array | null,
  randomBytes: RandomBytes = cryptoRandomBytes,
): Promise<VaultPrfUnlock> {
  const options: WebAuthnJson = {
    challenge: base64urlEncode(randomBytes(LOCAL_CHALLENGE_BYTES)),
    userVerification: 'required',
    timeout: VAULT_PROMPT_TIMEOUT_MS,
    ...(credentialId === null
      ? {}
      : { allowCredentials: [{ type: 'public-key', id: base64urlEncode(credentialId) }] }),
  };
  const assertion = await authenticator.get(options, vaultPrfEvaluationInput());
  return {
    credentialId: assertion.credentialId,
    prfOutput: checkedPrfOutput(assertion.prfOutput),
  };
}

/** The signed-in user's passkeys. */
export class PasskeysApi {
  readonly #http: HttpApi;
  readonly #authenticator: PasskeyAuthenticator;
  readonly #randomBytes: RandomBytes;

  constructor(
    http: HttpApi,
    authenticator: PasskeyAuthenticator,
    randomBytes: RandomBytes = cryptoRandomBytes,
  ) {
    this.#http = http;
    this.#authenticator = authenticator;
    this.#randomBytes = randomBytes;
  }

  async list(): Promise<PasskeyView[]> {
    return (await this.#http.request('GET', '/api/me/passkeys', undefined, passkeysSchema))
      .passkeys;
  }

  /**
   * Creates a passkey and registers it with the server. Asked for the vault, it also takes the
   * PRF output: from the creation when the authenticator gives it there, else from a second
   * prompt; a refusal there leaves the passkey registered (see vaultUnlockRefusal).
   */
  async register(options: RegisterPasskeyOptions): Promise<RegisteredPasskey> {
    const { challengeId, options: creation } = await this.#http.request(
      'POST',
      '/api/me/passkeys/options',
      undefined,
      passkeyOptionsResponseSchema,
    );
    const created = await this.#authenticator.create(
      creation,
      options.isForVault ? vaultPrfEvaluationInput() : null,
    );
    const passkey = await this.#http.request(
      'POST',
      '/api/me/passkeys',
      { challengeId, response: created.response, name: options.name },
      passkeyViewSchema,
    );
    if (!options.isForVault) return { passkey, vaultUnlock: null, vaultUnlockRefusal: null };
    try {
      const vaultUnlock =
        created.prfOutput === null
          ? created.isPrfEnabled
            ? await vaultPrfUnlock(this.#authenticator, created.credentialId, this.#randomBytes)
            : null
          : { credentialId: created.credentialId, prfOutput: checkedPrfOutput(created.prfOutput) };
      if (vaultUnlock === null) {
        throw new PasskeyError('prf_unavailable', 'the authenticator has no PRF');
      }
      return { passkey, vaultUnlock, vaultUnlockRefusal: null };
    } catch (error) {
      if (!(error instanceof PasskeyError)) throw error;
      return { passkey, vaultUnlock: null, vaultUnlockRefusal: error };
    }
  }

  /** 404 not_found when it is gone already. Removing the last one lifts the passkey requirement. */
  async remove(passkeyId: string): Promise<void> {
    await this.#http.request(
      'DELETE',
      `/api/me/passkeys/${encodeURIComponent(passkeyId)}`,
      undefined,
      noContentSchema,
    );
  }
}

/**
 * Passkey as the only factor: a discoverable-credential prompt for the organization. The grant's
 * token is not adopted by `http`; the caller builds its HttpApi with it.
 */
export async function signInWithPasskey(
  http: HttpApi,
  authenticator: PasskeyAuthenticator,
  organization: string,
  device: DeviceInfo,
): Promise<SessionGrant> {
  const { challengeId, options } = await http.request(
    'POST',
    '/api/auth/passkey/options',
    { organization },
    passkeyOptionsResponseSchema,
  );
  return finishPasskeyLogin(http, authenticator, challengeId, options, device);
}

/** The second step of a password login for an account that requires a passkey. */
export async function answerPasskeyChallenge(
  http: HttpApi,
  authenticator: PasskeyAuthenticator,
  challenge: PasskeyChallenge,
  device: DeviceInfo,
): Promise<SessionGrant> {
  return finishPasskeyLogin(http, authenticator, challenge.challengeId, challenge.options, device);
}

async function finishPasskeyLogin(
  http: HttpApi,
  authenticator: PasskeyAuthenticator,
  challengeId: string,
  options: WebAuthnJson,
  device: DeviceInfo,
): Promise<SessionGrant> {
  const assertion = await authenticator.get(options, null);
  return http.request(
    'POST',
    '/api/auth/passkey/login',
    { challengeId, response: assertion.response, device },
    sessionGrantSchema,
  );
}
