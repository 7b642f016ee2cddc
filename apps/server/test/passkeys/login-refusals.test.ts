import { afterAll, beforeAll, expect, it } from 'vitest';
import { SoftAuthenticator, type Tampering } from '../support/soft-authenticator.js';
import { describeOnEachBackend } from '../support/backends.js';
import {
  CHALLENGE_TTL_MS,
  ORIGIN,
  RP_ID,
  countDevices,
  createAccount,
  createOrganization,
  disableUser,
  loginOptions,
  observe,
  passkeyLogin,
  passwordLogin,
  refusal,
  registerPasskey,
  registrationOptions,
  setRequirePasskey,
  startPasskeyServer,
  type Account,
  type PasskeyTestServer,
} from './passkey-fixture.js';

const PASSKEY_INVALID = { status: 401, code: 'passkey_invalid' };

describeOnEachBackend('passkey login refusals', (backend) => {
  let fixture: PasskeyTestServer;
  beforeAll(async () => {
    fixture = await startPasskeyServer(backend);
  });
  afterAll(async () => {
    await fixture.server.close();
  });

  /** A member of the first organization with one registered passkey. */
  async function memberWithPasskey(): Promise<{
    account: Account;
    authenticator: SoftAuthenticator;
  }> {
    const account = await createAccount(fixture);
    const { authenticator } = await registerPasskey(account);
    return { account, authenticator };
  }

  /** A passkey-only login in the account's organization, answered with `tampering`. */
  async function tamperedLogin(
    account: Account,
    authenticator: SoftAuthenticator,
    tampering: Tampering,
  ): Promise<{ status: number; code: string }> {
    const { challengeId, options } = await loginOptions(fixture.server, account.organization);
    const response = await authenticator.authenticate(options, tampering);
    return refusal(passkeyLogin(fixture.server, { challengeId, response }));
  }

  it('refuses a login challenge answered a second time', async () => {
    const { account, authenticator } = await memberWithPasskey();
    const { challengeId, options } = await loginOptions(fixture.server, account.organization);
    await passkeyLogin(fixture.server, {
      challengeId,
      response: await authenticator.authenticate(options),
    });
    const before = await observe(account);
    const again = passkeyLogin(fixture.server, {
      challengeId,
      response: await authenticator.authenticate(options),
    });
    expect(await refusal(again)).toEqual(PASSKEY_INVALID);
    expect(await observe(account)).toEqual(before);
  });

  it('refuses a login challenge older than five minutes with challenge_expired', async () => {
    const { account, authenticator } = await memberWithPasskey();
    const before = await observe(account);
    const { challengeId, options } = await loginOptions(fixture.server, account.organization);
    const response = await authenticator.authenticate(options);
    fixture.clock.advance(CHALLENGE_TTL_MS + 1000);
    const late = passkeyLogin(fixture.server, { challengeId, response });
    expect(await refusal(late)).toEqual({ status: 401, code: 'challenge_expired' });
    expect(await observe(account)).toEqual(before);
  });

  it('refuses an assertion made for another origin', async () => {
    const { account, authenticator } = await memberWithPasskey();
    const before = await observe(account);
    const refused = await tamperedLogin(account, authenticator, {
      origin: 'https://phishing.example',
    });
    expect(refused).toEqual(PASSKEY_INVALID);
    expect(await observe(account)).toEqual(before);
  });

  it('refuses an assertion scoped to another relying party id', async () => {
    const { account, authenticator } = await memberWithPasskey();
    const before = await observe(account);
    const refused = await tamperedLogin(account, authenticator, { rpId: 'phishing.example' });
    expect(refused).toEqual(PASSKEY_INVALID);
    expect(await observe(account)).toEqual(before);
  });

  it('refuses an assertion without user verification', async () => {
    const { account, authenticator } = await memberWithPasskey();
    const before = await observe(account);
    const refused = await tamperedLogin(account, authenticator, { isUserVerified: false });
    expect(refused).toEqual(PASSKEY_INVALID);
    expect(await observe(account)).toEqual(before);
  });

  it('refuses an assertion signed by a different key and keeps the stored counter', async () => {
    const { account, authenticator } = await memberWithPasskey();
    const forger = await SoftAuthenticator.create(ORIGIN);
    const before = await observe(account);
    const refused = await tamperedLogin(account, authenticator, { signWith: forger });
    expect(refused).toEqual(PASSKEY_INVALID);
    expect(await observe(account)).toEqual(before);

    // Had the refused attempt been recorded, its counter value could not be used again.
    const refusedCount = authenticator.signCount;
    expect(refusedCount).toBeGreaterThan(0);
    const { challengeId, options } = await loginOptions(fixture.server, account.organization);
    const honest = await authenticator.authenticate(options, { signCount: refusedCount });
    const grant = await passkeyLogin(fixture.server, { challengeId, response: honest });
    expect(grant.user.id).toBe(account.userId);
  });

  it('refuses an assertion whose signature counter does not advance', async () => {
    const { account, authenticator } = await memberWithPasskey();
    const first = await loginOptions(fixture.server, account.organization);
    await passkeyLogin(fixture.server, {
      challengeId: first.challengeId,
      response: await authenticator.authenticate(first.options),
    });
    const before = await observe(account);
    const refused = await tamperedLogin(account, authenticator, {
      signCount: authenticator.signCount,
    });
    expect(refused).toEqual(PASSKEY_INVALID);
    expect(await observe(account)).toEqual(before);
  });

  it('refuses a registration challenge used for login', async () => {
    const { account, authenticator } = await memberWithPasskey();
    const before = await observe(account);
    const { challengeId, options } = await registrationOptions(account);
    const response = await authenticator.authenticate({
      challenge: options['challenge'],
      rpId: RP_ID,
    });
    expect(await refusal(passkeyLogin(fixture.server, { challengeId, response }))).toEqual(
      PASSKEY_INVALID,
    );
    expect(await observe(account)).toEqual(before);
  });

  it('refuses a second-factor challenge of one user answered with another user’s passkey', async () => {
    const alice = await memberWithPasskey();
    const bob = await memberWithPasskey();
    await setRequirePasskey(alice.account, true);
    const aliceBefore = await observe(alice.account);
    const bobBefore = await observe(bob.account);

    const step = await passwordLogin(fixture.server, alice.account);
    if (step.status !== 'passkey_required') throw new Error('expected a passkey challenge');
    const attempt = passkeyLogin(fixture.server, {
      challengeId: step.challengeId,
      response: await bob.authenticator.authenticate(step.options),
    });
    expect(await refusal(attempt)).toEqual(PASSKEY_INVALID);
    expect(await observe(alice.account)).toEqual(aliceBefore);
    expect(await observe(bob.account)).toEqual(bobBefore);
  });

  it('refuses an assertion whose user handle names another user', async () => {
    const alice = await memberWithPasskey();
    const bob = await memberWithPasskey();
    const before = await observe(alice.account);
    const bobHandle = Buffer.from(bob.account.userId, 'utf8').toString('base64url');

    const refused = await tamperedLogin(alice.account, alice.authenticator, {
      userHandle: bobHandle,
    });
    expect(refused).toEqual(PASSKEY_INVALID);
    expect(await observe(alice.account)).toEqual(before);
  });

  it('refuses a passkey of one organization against a login challenge of another', async () => {
    const { account, authenticator } = await memberWithPasskey();
    const otherAdmin = await createOrganization(fixture, 'landkreis-beispiel');
    const before = await observe(account);
    const otherBefore = await observe(otherAdmin);

    const { challengeId, options } = await loginOptions(fixture.server, otherAdmin.organization);
    const attempt = passkeyLogin(fixture.server, {
      challengeId,
      response: await authenticator.authenticate(options),
    });
    expect(await refusal(attempt)).toEqual(PASSKEY_INVALID);
    expect(await observe(account)).toEqual(before);
    expect(await observe(otherAdmin)).toEqual(otherBefore);
  });

  it('refuses the passkey of a disabled user', async () => {
    const { account, authenticator } = await memberWithPasskey();
    await disableUser(account);
    const devicesBefore = await countDevices(account);
    const { challengeId, options } = await loginOptions(fixture.server, account.organization);
    const attempt = passkeyLogin(fixture.server, {
      challengeId,
      response: await authenticator.authenticate(options),
    });
    expect(await refusal(attempt)).toEqual(PASSKEY_INVALID);
    expect(await countDevices(account)).toBe(devicesBefore);
    expect(await refusal(account.api.me())).toEqual({ status: 401, code: 'unauthenticated' });
  });
});
