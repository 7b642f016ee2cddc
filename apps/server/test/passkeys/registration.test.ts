import { afterAll, beforeAll, expect, it } from 'vitest';
import { SoftAuthenticator, type Tampering } from '../support/soft-authenticator.js';
import { describeOnEachBackend } from '../support/backends.js';
import {
  CHALLENGE_TTL_MS,
  ORIGIN,
  RP_ID,
  createAccount,
  listPasskeys,
  loginOptions,
  rawRequest,
  registerPasskey,
  registrationOptions,
  refusal,
  setRequirePasskey,
  startPasskeyServer,
  submitRegistration,
  type Account,
  type PasskeyTestServer,
} from './passkey-fixture.js';

describeOnEachBackend('passkey registration', (backend) => {
  let fixture: PasskeyTestServer;
  beforeAll(async () => {
    fixture = await startPasskeyServer(backend);
  });
  afterAll(async () => {
    await fixture.server.close();
  });

  /** Submits a registration answered by `authenticator` with `tampering`; returns the refusal. */
  async function refusedRegistration(
    account: Account,
    tampering: Tampering,
  ): Promise<{ status: number; code: string }> {
    const authenticator = await SoftAuthenticator.create(ORIGIN);
    const { challengeId, options } = await registrationOptions(account);
    const response = await authenticator.register(options, tampering);
    return refusal(submitRegistration(account, { challengeId, response, name: 'Tampered' }));
  }

  it('registers a passkey for a signed-in user and lists it', async () => {
    const account = await createAccount(fixture);
    const { challengeId, options } = await registrationOptions(account);
    expect(options).toMatchObject({
      rp: { id: RP_ID },
      attestation: 'none',
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    expect(options['challenge']).toEqual(expect.any(String));

    const authenticator = await SoftAuthenticator.create(ORIGIN);
    const response = await authenticator.register(options);
    const passkey = await submitRegistration(account, {
      challengeId,
      response,
      name: 'Dienstlaptop',
    });

    expect(passkey).toMatchObject({ name: 'Dienstlaptop', lastUsedAt: null });
    expect(await listPasskeys(account)).toEqual([passkey]);
  });

  it('excludes the credentials a user already has when offering a new registration', async () => {
    const account = await createAccount(fixture);
    const { authenticator } = await registerPasskey(account);
    const { options } = await registrationOptions(account);
    expect(options['excludeCredentials']).toEqual([
      expect.objectContaining({ id: authenticator.credentialId, type: 'public-key' }),
    ]);
  });

  it('lists only the caller’s own passkeys', async () => {
    const alice = await createAccount(fixture);
    const bob = await createAccount(fixture);
    const { passkey } = await registerPasskey(alice);
    expect(await listPasskeys(alice)).toEqual([passkey]);
    expect(await listPasskeys(bob)).toEqual([]);
  });

  it('refuses a registration challenge used a second time', async () => {
    const account = await createAccount(fixture);
    const { challengeId, options } = await registrationOptions(account);
    const first = await SoftAuthenticator.create(ORIGIN);
    const passkey = await submitRegistration(account, {
      challengeId,
      response: await first.register(options),
      name: 'First',
    });
    const second = await SoftAuthenticator.create(ORIGIN);
    const again = submitRegistration(account, {
      challengeId,
      response: await second.register(options),
      name: 'Second',
    });
    expect(await refusal(again)).toEqual({ status: 400, code: 'passkey_invalid' });
    expect(await listPasskeys(account)).toEqual([passkey]);
  });

  it('refuses a registration challenge older than five minutes with challenge_expired', async () => {
    const account = await createAccount(fixture);
    const { challengeId, options } = await registrationOptions(account);
    const response = await (await SoftAuthenticator.create(ORIGIN)).register(options);
    fixture.clock.advance(CHALLENGE_TTL_MS + 1000);
    const late = submitRegistration(account, { challengeId, response, name: 'Late' });
    expect(await refusal(late)).toEqual({ status: 400, code: 'challenge_expired' });
    expect(await listPasskeys(account)).toEqual([]);
  });

  it('refuses a registration made for another origin', async () => {
    const account = await createAccount(fixture);
    const refused = await refusedRegistration(account, { origin: 'https://phishing.example' });
    expect(refused).toEqual({ status: 400, code: 'passkey_invalid' });
    expect(await listPasskeys(account)).toEqual([]);
  });

  it('refuses a registration scoped to another relying party id', async () => {
    const account = await createAccount(fixture);
    const refused = await refusedRegistration(account, { rpId: 'phishing.example' });
    expect(refused).toEqual({ status: 400, code: 'passkey_invalid' });
    expect(await listPasskeys(account)).toEqual([]);
  });

  it('refuses a registration without user verification', async () => {
    const account = await createAccount(fixture);
    const refused = await refusedRegistration(account, { isUserVerified: false });
    expect(refused).toEqual({ status: 400, code: 'passkey_invalid' });
    expect(await listPasskeys(account)).toEqual([]);
  });

  it('refuses to register with a login challenge', async () => {
    const account = await createAccount(fixture);
    const { challengeId, options } = await loginOptions(fixture.server, account.organization);
    const authenticator = await SoftAuthenticator.create(ORIGIN);
    // A login challenge carries no user; answer it as a creation ceremony for this account.
    const { options: creation } = await registrationOptions(account);
    const response = await authenticator.register({ ...creation, challenge: options['challenge'] });
    const refused = await refusal(
      submitRegistration(account, { challengeId, response, name: 'Wrong purpose' }),
    );
    expect(refused).toEqual({ status: 400, code: 'passkey_invalid' });
    expect(await listPasskeys(account)).toEqual([]);
  });

  it('refuses a registration challenge issued to another user', async () => {
    const alice = await createAccount(fixture);
    const mallory = await createAccount(fixture);
    const { challengeId, options } = await registrationOptions(alice);
    const response = await (await SoftAuthenticator.create(ORIGIN)).register(options);
    const refused = await refusal(
      submitRegistration(mallory, { challengeId, response, name: 'Stolen challenge' }),
    );
    expect(refused).toEqual({ status: 400, code: 'passkey_invalid' });
    expect(await listPasskeys(alice)).toEqual([]);
    expect(await listPasskeys(mallory)).toEqual([]);
  });

  it('refuses to require a passkey before one is registered, naming the field', async () => {
    const account = await createAccount(fixture);
    const answer = await rawRequest(fixture.server, 'PUT', '/api/me/security', account.api.token!, {
      requirePasskey: true,
    });
    expect(answer.status).toBe(400);
    expect(answer.body?.error).toMatchObject({
      code: 'invalid_request',
      fields: [{ path: 'requirePasskey', code: 'no_passkey' }],
    });
    expect((await account.api.me()).requirePasskey).toBe(false);
  });

  it('turns the passkey requirement on and off once the user has a passkey', async () => {
    const account = await createAccount(fixture);
    await registerPasskey(account);
    await setRequirePasskey(account, true);
    expect((await account.api.me()).requirePasskey).toBe(true);
    await setRequirePasskey(account, false);
    expect((await account.api.me()).requirePasskey).toBe(false);
  });
});
