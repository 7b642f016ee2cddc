import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeOnEachBackend } from '../support/backends.js';
import {
  DEVICE,
  RP_ID,
  countDevices,
  createAccount,
  deletePasskey,
  listPasskeys,
  listSessionIds,
  loginOptions,
  passkeyLogin,
  passwordLogin,
  refusal,
  registerPasskey,
  setRequirePasskey,
  startPasskeyServer,
  type PasskeyTestServer,
} from './passkey-fixture.js';

describeOnEachBackend('passkey login', (backend) => {
  let fixture: PasskeyTestServer;
  beforeAll(async () => {
    fixture = await startPasskeyServer(backend);
  });
  afterAll(async () => {
    await fixture.server.close();
  });

  it('opens a session with a passkey alone', async () => {
    const account = await createAccount(fixture);
    const { authenticator, passkey } = await registerPasskey(account);

    const { challengeId, options } = await loginOptions(fixture.server, account.organization);
    expect(options).toMatchObject({ rpId: RP_ID, userVerification: 'required' });
    const response = await authenticator.authenticate(options);
    const grant = await passkeyLogin(fixture.server, { challengeId, response });

    expect(grant.user.id).toBe(account.userId);
    const me = await fixture.server.api(grant.token).me();
    expect(me.user.username).toBe(account.username);
    expect(me.sessionId).toBe(grant.sessionId);
    const [used] = await listPasskeys(account);
    expect(used?.id).toBe(passkey.id);
    expect(used?.lastUsedAt).toBe(fixture.clock.now().toISOString());
  });

  it('accepts the same passkey again with a higher signature counter', async () => {
    const account = await createAccount(fixture);
    const { authenticator } = await registerPasskey(account);
    for (let round = 0; round < 3; round += 1) {
      const { challengeId, options } = await loginOptions(fixture.server, account.organization);
      const grant = await passkeyLogin(fixture.server, {
        challengeId,
        response: await authenticator.authenticate(options),
      });
      expect(grant.user.id).toBe(account.userId);
    }
    expect(authenticator.signCount).toBe(3);
  });

  it('asks for the passkey after a correct password when the user requires one', async () => {
    const account = await createAccount(fixture);
    const { authenticator } = await registerPasskey(account);
    await setRequirePasskey(account, true);
    const sessionsBefore = await listSessionIds(account);
    const devicesBefore = await countDevices(account);

    const step = await passwordLogin(fixture.server, account);
    if (step.status !== 'passkey_required') throw new Error('expected a passkey challenge');
    expect(step.options).toMatchObject({
      rpId: RP_ID,
      userVerification: 'required',
      allowCredentials: [expect.objectContaining({ id: authenticator.credentialId })],
    });
    // The password alone opened nothing.
    expect(await listSessionIds(account)).toEqual(sessionsBefore);
    expect(await countDevices(account)).toBe(devicesBefore);

    const grant = await passkeyLogin(fixture.server, {
      challengeId: step.challengeId,
      response: await authenticator.authenticate(step.options),
    });
    expect(grant.user.id).toBe(account.userId);
    expect((await fixture.server.api(grant.token).me()).requirePasskey).toBe(true);
    expect(await listSessionIds(account)).toEqual([...sessionsBefore, grant.sessionId].sort());
  });

  it('still refuses a wrong password for a user who requires a passkey', async () => {
    const account = await createAccount(fixture);
    await registerPasskey(account);
    await setRequirePasskey(account, true);
    const wrong = fixture.server.api().login({
      organization: account.organization,
      username: account.username,
      password: 'not the password at all',
      device: DEVICE,
    });
    expect(await refusal(wrong)).toEqual({ status: 401, code: 'invalid_credentials' });
  });

  it('lifts the passkey requirement when the last passkey is deleted', async () => {
    const account = await createAccount(fixture);
    const { passkey: first } = await registerPasskey(account, 'Laptop');
    const { passkey: second } = await registerPasskey(account, 'Phone');
    await setRequirePasskey(account, true);

    await deletePasskey(account, first.id);
    expect(await listPasskeys(account)).toEqual([second]);
    expect((await account.api.me()).requirePasskey).toBe(true);
    expect((await passwordLogin(fixture.server, account)).status).toBe('passkey_required');

    await deletePasskey(account, second.id);
    expect(await listPasskeys(account)).toEqual([]);
    expect((await account.api.me()).requirePasskey).toBe(false);
    const login = await passwordLogin(fixture.server, account);
    if (login.status !== 'authenticated') throw new Error('expected a session from the password');
    expect((await fixture.server.api(login.token).me()).user.id).toBe(account.userId);
  });

  it('refuses to delete a passkey of another user', async () => {
    const alice = await createAccount(fixture);
    const mallory = await createAccount(fixture);
    const { passkey } = await registerPasskey(alice);
    expect(await refusal(deletePasskey(mallory, passkey.id))).toEqual({
      status: 404,
      code: 'not_found',
    });
    expect(await listPasskeys(alice)).toEqual([passkey]);
  });

  it('offers options for an unknown organization that look like those of a real one', async () => {
    const real = await loginOptions(fixture.server, 'stadt-musterstadt');
    const unknown = await loginOptions(fixture.server, 'gibt-es-nicht');
    expect(Object.keys(unknown.options).sort()).toEqual(Object.keys(real.options).sort());
    expect(unknown.options).toMatchObject({ rpId: RP_ID, userVerification: 'required' });
    expect(unknown.options['challenge']).not.toBe(real.options['challenge']);
  });

  it('refuses a login against an unknown organization with passkey_invalid', async () => {
    const account = await createAccount(fixture);
    const { authenticator } = await registerPasskey(account);
    const devicesBefore = await countDevices(account);
    const { challengeId, options } = await loginOptions(fixture.server, 'gibt-es-nicht');
    const attempt = passkeyLogin(fixture.server, {
      challengeId,
      response: await authenticator.authenticate(options),
    });
    expect(await refusal(attempt)).toEqual({ status: 401, code: 'passkey_invalid' });
    expect(await countDevices(account)).toBe(devicesBefore);
  });
});
