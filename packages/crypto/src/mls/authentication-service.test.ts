import type { Credential } from 'ts-mls';
import { describe, expect, it } from 'vitest';
import { createDeviceCredential, encodeDeviceCredential } from './device-credential.js';
import { deviceMlsCredential, generateDeviceSignatureKeyPair, type Device } from './device.js';
import { generateIdentityKey } from './identity-key.js';
import { InMemoryIdentityKeyPins } from './identity-key-pins.js';
import {
  TEST_ORGANIZATION_ID,
  newAuth,
  newClient,
  newUser,
  type KeyChange,
} from './test-fixtures.js';

function setup(): {
  pins: InMemoryIdentityKeyPins;
  keyChanges: KeyChange[];
  auth: ReturnType<typeof newAuth>;
} {
  const pins = new InMemoryIdentityKeyPins();
  const keyChanges: KeyChange[] = [];
  return { pins, keyChanges, auth: newAuth(pins, keyChanges) };
}

function credentialOf(device: Device): Credential {
  return deviceMlsCredential(device);
}

describe('DeviceAuthenticationService', () => {
  it('accepts a well-signed device of the organization and pins its identity key on first contact', async () => {
    const { pins, auth } = setup();
    const { user, device } = newClient();
    expect(await pins.get(user.userId)).toBeNull();
    const check = await auth.checkCredential(credentialOf(device), device.signaturePublicKey);
    expect(check).toMatchObject({ isAccepted: true, credential: { userId: user.userId } });
    expect(await pins.get(user.userId)).toEqual(user.identityKey.publicKey);
  });

  it('accepts a second device of the same user signed by the pinned key', async () => {
    const { auth } = setup();
    const user = newUser();
    const first = newClient(user).device;
    const second = newClient(user).device;
    expect(await auth.validateCredential(credentialOf(first), first.signaturePublicKey)).toBe(true);
    expect(await auth.validateCredential(credentialOf(second), second.signaturePublicKey)).toBe(
      true,
    );
  });

  it('refuses a device signed by another identity key than the pinned one and reports the change', async () => {
    const { auth, keyChanges } = setup();
    const user = newUser();
    const real = newClient(user).device;
    const impostor = newClient(user, { identityKey: generateIdentityKey() }).device;
    expect(await auth.validateCredential(credentialOf(real), real.signaturePublicKey)).toBe(true);
    const check = await auth.checkCredential(credentialOf(impostor), impostor.signaturePublicKey);
    expect(check).toMatchObject({
      isAccepted: false,
      rejection: { reason: 'identity_key_changed', userId: user.userId },
    });
    expect(keyChanges).toEqual([
      {
        userId: user.userId,
        pinnedKey: user.identityKey.publicKey,
        presentedKey: impostor.credential.identityPublicKey,
      },
    ]);
  });

  it('refuses a device of another organization', async () => {
    const { auth } = setup();
    const { device } = newClient(newUser(), {
      organizationId: '11111111-2222-4333-8444-555555555555',
    });
    const check = await auth.checkCredential(credentialOf(device), device.signaturePublicKey);
    expect(check).toMatchObject({ isAccepted: false, rejection: { reason: 'wrong_organization' } });
  });

  it('refuses a credential whose signature key is not the leaf’s', async () => {
    const { auth } = setup();
    const { device } = newClient();
    const otherLeafKey = generateDeviceSignatureKeyPair().publicKey;
    const check = await auth.checkCredential(credentialOf(device), otherLeafKey);
    expect(check).toMatchObject({
      isAccepted: false,
      rejection: { reason: 'signature_key_mismatch' },
    });
  });

  it('refuses a credential with a tampered signature', async () => {
    const { auth } = setup();
    const { device } = newClient();
    const signature = device.credential.signature.slice();
    signature[0] = (signature[0] ?? 0) ^ 0x80;
    const tampered = encodeDeviceCredential({ ...device.credential, signature });
    const check = await auth.checkCredential(
      { credentialType: 'basic', identity: tampered },
      device.signaturePublicKey,
    );
    expect(check).toMatchObject({ isAccepted: false, rejection: { reason: 'invalid_signature' } });
  });

  it('refuses garbage identity bytes and non-basic credentials', async () => {
    const { auth } = setup();
    const { device } = newClient();
    const garbage = await auth.checkCredential(
      { credentialType: 'basic', identity: new TextEncoder().encode('alice') },
      device.signaturePublicKey,
    );
    expect(garbage).toMatchObject({
      isAccepted: false,
      rejection: { reason: 'malformed_credential', userId: null },
    });
    const x509 = await auth.checkCredential(
      { credentialType: 'x509', certificates: [] },
      device.signaturePublicKey,
    );
    expect(x509).toMatchObject({
      isAccepted: false,
      rejection: { reason: 'not_a_device_credential' },
    });
  });

  it('pins nothing for a refused credential', async () => {
    const { auth, pins } = setup();
    const user = newUser();
    const { device } = newClient(user);
    await auth.checkCredential(credentialOf(device), generateDeviceSignatureKeyPair().publicKey);
    expect(await pins.get(user.userId)).toBeNull();
  });
});

describe('AuthenticationSession', () => {
  it('holds back first-contact pins until commit', async () => {
    const { auth, pins } = setup();
    const { user, device } = newClient();
    const session = auth.openSession();
    expect(await session.validateCredential(credentialOf(device), device.signaturePublicKey)).toBe(
      true,
    );
    expect(await pins.get(user.userId)).toBeNull();
    await session.commit();
    expect(await pins.get(user.userId)).toEqual(user.identityKey.publicKey);
  });

  it('records why members were refused', async () => {
    const { auth } = setup();
    const { user, device } = newClient();
    const session = auth.openSession();
    await session.validateCredential(
      credentialOf(device),
      generateDeviceSignatureKeyPair().publicKey,
    );
    expect(session.rejections).toEqual([
      {
        reason: 'signature_key_mismatch',
        userId: user.userId,
        deviceId: device.credential.deviceId,
      },
    ]);
  });

  it('refuses a second, different identity key for a user first seen in the same session', async () => {
    const { auth } = setup();
    const user = newUser();
    const first = newClient(user).device;
    const forged = newClient(user, { identityKey: generateIdentityKey() }).device;
    const session = auth.openSession();
    expect(
      await session.checkCredential(credentialOf(first), first.signaturePublicKey),
    ).toMatchObject({ isAccepted: true });
    expect(
      await session.checkCredential(credentialOf(forged), forged.signaturePublicKey),
    ).toMatchObject({ isAccepted: false });
    expect(session.rejections[0]?.reason).toBe('conflicting_identity_keys');
  });

  it('records refusals but lets ts-mls go on: the caller refuses the operation afterwards', async () => {
    const { auth } = setup();
    const user = newUser();
    const first = newClient(user).device;
    const forged = newClient(user, { identityKey: generateIdentityKey() }).device;
    const session = auth.openSession();
    await session.validateCredential(credentialOf(first), first.signaturePublicKey);
    expect(await session.validateCredential(credentialOf(forged), forged.signaturePublicKey)).toBe(
      true,
    );
    expect(session.rejections.map((r) => r.reason)).toEqual(['conflicting_identity_keys']);
  });

  it('keeps a key pinned meanwhile by another operation and reports the conflict on commit', async () => {
    const { auth, pins, keyChanges } = setup();
    const user = newUser();
    const { device } = newClient(user);
    const session = auth.openSession();
    await session.validateCredential(credentialOf(device), device.signaturePublicKey);
    const other = generateIdentityKey().publicKey;
    await pins.pin(user.userId, other);
    await session.commit();
    expect(await pins.get(user.userId)).toEqual(other);
    expect(keyChanges).toHaveLength(1);
  });

  it('checks the organization given to the service', async () => {
    const pins = new InMemoryIdentityKeyPins();
    const auth = newAuth(pins, [], '11111111-2222-4333-8444-555555555555');
    const identityKey = generateIdentityKey();
    const keyPair = generateDeviceSignatureKeyPair();
    const credential = createDeviceCredential(identityKey, {
      organizationId: TEST_ORGANIZATION_ID,
      userId: crypto.randomUUID(),
      deviceId: crypto.randomUUID(),
      signaturePublicKey: keyPair.publicKey,
    });
    const check = await auth
      .openSession()
      .checkCredential(
        { credentialType: 'basic', identity: encodeDeviceCredential(credential) },
        keyPair.publicKey,
      );
    expect(check).toMatchObject({ isAccepted: false, rejection: { reason: 'wrong_organization' } });
  });
});
