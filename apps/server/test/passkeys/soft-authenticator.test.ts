import { generateKeyPairSync, sign, verify } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  SoftAuthenticator,
  rawEcdsaSignatureToDer,
  type Tampering,
} from '../support/soft-authenticator.js';

/*
 * The software authenticator is checked against @simplewebauthn directly, without our server, so
 * that each server refusal test is known to fail for the reason it names and no other.
 */

const ORIGIN = 'http://localhost:8080';
const RP_ID = 'localhost';

describe('SoftAuthenticator', () => {
  let authenticator: SoftAuthenticator;
  let credential: WebAuthnCredential;

  beforeAll(async () => {
    authenticator = await SoftAuthenticator.create(ORIGIN);
    const options = await generateRegistrationOptions({
      rpName: 'Amtsbote',
      rpID: RP_ID,
      userName: 'anna@stadt-musterstadt',
      userID: new TextEncoder().encode('user-1'),
      attestationType: 'none',
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    const verification = await verifyRegistrationResponse({
      response: await authenticator.register(options),
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      requireUserVerification: true,
    });
    if (!verification.verified) throw new Error('the registration did not verify');
    expect(verification.registrationInfo).toMatchObject({
      fmt: 'none',
      aaguid: '00000000-0000-0000-0000-000000000000',
      userVerified: true,
      credentialDeviceType: 'singleDevice',
      credentialBackedUp: false,
      credential: { id: authenticator.credentialId, counter: 0 },
    });
    credential = verification.registrationInfo.credential;
  });

  async function verifyAssertion(tampering: Tampering = {}): Promise<number> {
    const options = await generateAuthenticationOptions({
      rpID: RP_ID,
      userVerification: 'required',
    });
    const response = await authenticator.authenticate(options, tampering);
    expect(response.response.userHandle).toBe(Buffer.from('user-1').toString('base64url'));
    const verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential,
      requireUserVerification: true,
    });
    if (!verification.verified) throw new Error('the signature did not verify');
    credential = { ...credential, counter: verification.authenticationInfo.newCounter };
    return verification.authenticationInfo.newCounter;
  }

  it('answers authentication with assertions that verify and count up', async () => {
    expect(await verifyAssertion()).toBe(1);
    expect(await verifyAssertion()).toBe(2);
  });

  it('puts the tampered origin into the client data', async () => {
    await expect(verifyAssertion({ origin: 'https://phishing.example' })).rejects.toThrow(
      /origin "https:\/\/phishing\.example"/,
    );
  });

  it('hashes the tampered relying party id into the authenticator data', async () => {
    await expect(verifyAssertion({ rpId: 'phishing.example' })).rejects.toThrow(/RP ID/);
  });

  it('leaves out the user verification flag when asked to', async () => {
    await expect(verifyAssertion({ isUserVerified: false })).rejects.toThrow(/User verification/);
  });

  it('signs with another key when asked to, so the signature does not verify', async () => {
    const forger = await SoftAuthenticator.create(ORIGIN);
    await expect(verifyAssertion({ signWith: forger })).rejects.toThrow(/did not verify/);
  });

  it('repeats a signature counter when asked to', async () => {
    await verifyAssertion();
    await expect(verifyAssertion({ signCount: credential.counter })).rejects.toThrow(/counter/);
  });
});

describe('rawEcdsaSignatureToDer', () => {
  it('trims leading zeros and pads integers whose top bit is set', () => {
    const r = new Uint8Array(32);
    r[31] = 0x05;
    const s = new Uint8Array(32);
    s[0] = 0x80;
    const der = rawEcdsaSignatureToDer(new Uint8Array([...r, ...s]));
    expect(Array.from(der)).toEqual([
      0x30,
      3 + 35,
      ...[0x02, 0x01, 0x05],
      ...[0x02, 0x21, 0x00, 0x80, ...new Array<number>(31).fill(0)],
    ]);
  });

  it('gives signatures that node:crypto accepts as DER', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    for (let round = 0; round < 32; round += 1) {
      const data = Buffer.from(`message ${round}`);
      const raw = sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      const der = rawEcdsaSignatureToDer(raw);
      expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, der)).toBe(true);
    }
  });
});
