import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DeviceCredentialError,
  createDeviceCredential,
  decodeDeviceCredential,
  encodeDeviceCredential,
  verifyDeviceCredential,
  type DeviceCredential,
} from './device-credential.js';
import { generateDeviceSignatureKeyPair } from './device.js';
import { generateIdentityKey } from './identity-key.js';

const fields = {
  organizationId: '0b9f4a4e-6a39-4c1e-9a53-2f0e6c1d7a10',
  userId: '5d0f3c8e-1b2a-4c3d-8e4f-9a0b1c2d3e4f',
  deviceId: '7e1d2c3b-4a59-4687-a8b9-cadbecfd0e1f',
};

function credential(): DeviceCredential {
  return createDeviceCredential(generateIdentityKey(), {
    ...fields,
    signaturePublicKey: generateDeviceSignatureKeyPair().publicKey,
  });
}

function reasonOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(DeviceCredentialError);
    expect(error).toMatchObject({ code: 'invalid_device_credential' });
    return (error as DeviceCredentialError).reason;
  }
  throw new Error('expected a DeviceCredentialError');
}

describe('device credential', () => {
  it('is signed by the identity key and verifies', () => {
    const identityKey = generateIdentityKey();
    const created = createDeviceCredential(identityKey, {
      ...fields,
      signaturePublicKey: generateDeviceSignatureKeyPair().publicKey,
    });
    expect(created.identityPublicKey).toEqual(identityKey.publicKey);
    expect(verifyDeviceCredential(created)).toBe(true);
  });

  it('round-trips through encode and decode', () => {
    const created = credential();
    const decoded = decodeDeviceCredential(encodeDeviceCredential(created));
    expect(decoded).toEqual(created);
    expect(verifyDeviceCredential(decoded)).toBe(true);
  });

  it.each(['organizationId', 'userId', 'deviceId'] as const)(
    'fails verification when %s is changed after signing',
    (field) => {
      const changed = { ...credential(), [field]: '00000000-0000-4000-8000-000000000000' };
      expect(verifyDeviceCredential(changed)).toBe(false);
    },
  );

  it('fails verification when the signature key or identity key is swapped', () => {
    const created = credential();
    const otherKey = generateDeviceSignatureKeyPair().publicKey;
    expect(verifyDeviceCredential({ ...created, signaturePublicKey: otherKey })).toBe(false);
    const otherIdentity = generateIdentityKey().publicKey;
    expect(verifyDeviceCredential({ ...created, identityPublicKey: otherIdentity })).toBe(false);
  });

  it('refuses ids that are not canonical UUIDs when created', () => {
    const signaturePublicKey = generateDeviceSignatureKeyPair().publicKey;
    expect(
      reasonOf(() =>
        createDeviceCredential(generateIdentityKey(), {
          ...fields,
          userId: 'NOT-A-UUID',
          signaturePublicKey,
        }),
      ),
    ).toBe('invalid_id');
  });

  it('rejects trailing bytes', () => {
    const bytes = encodeDeviceCredential(credential());
    expect(reasonOf(() => decodeDeviceCredential(new Uint8Array([...bytes, 0])))).toBe(
      'trailing_bytes',
    );
  });

  it('rejects truncated input at every length', () => {
    const bytes = encodeDeviceCredential(credential());
    for (let length = 0; length < bytes.length; length++) {
      expect(reasonOf(() => decodeDeviceCredential(bytes.subarray(0, length)))).toMatch(
        /^(truncated|wrong_length)$/,
      );
    }
  });

  it('rejects an unknown version', () => {
    const bytes = encodeDeviceCredential(credential());
    bytes[0] = 2;
    expect(reasonOf(() => decodeDeviceCredential(bytes))).toBe('unknown_version');
  });

  it('rejects a field of the wrong length even when the total length works out', () => {
    // A 17-byte organization id followed by a 15-byte user id.
    const bytes = encodeDeviceCredential(credential());
    bytes[2] = 17;
    bytes[1 + 2 + 17] = 0;
    bytes[1 + 2 + 17 + 1] = 15;
    expect(reasonOf(() => decodeDeviceCredential(bytes))).toBe('wrong_length');
  });

  it('gives only typed errors for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeDeviceCredential(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(DeviceCredentialError);
        }
      }),
    );
  });
});
