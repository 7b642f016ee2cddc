import { ed25519 } from '@noble/curves/ed25519.js';
import type { Credential } from 'ts-mls';
import { constantTimeEqual } from '../constant-time.js';
import { ByteReader, ByteWriter } from './bytes.js';
import {
  createDeviceCredential,
  decodeDeviceCredential,
  encodeDeviceCredential,
  verifyDeviceCredential,
  type DeviceCredential,
} from './device-credential.js';
import type { IdentityKeyPair } from './identity-key.js';

/*
 * A device's MLS identity: its leaf signature key pair (Ed25519, which both allowed ciphersuites
 * use, so one device key serves both) and its credential, signed by the user's identity key.
 * A new device generates the key pair; a device holding the identity key signs the credential
 * for its public half; the new device then assembles both.
 */

export const DEVICE_BUNDLE_VERSION = 1;
const SEED_BYTES = 32;

export interface DeviceSignatureKeyPair {
  readonly publicKey: Uint8Array;
  /** 32-byte Ed25519 seed; never leaves the device. */
  readonly privateKey: Uint8Array;
}

export interface Device {
  readonly credential: DeviceCredential;
  /** The identity bytes of the device's MLS basic credential. */
  readonly credentialBytes: Uint8Array;
  readonly signaturePublicKey: Uint8Array;
  readonly signaturePrivateKey: Uint8Array;
}

export class DeviceError extends Error {
  readonly code = 'invalid_device';
}

export function generateDeviceSignatureKeyPair(): DeviceSignatureKeyPair {
  const { secretKey, publicKey } = ed25519.keygen();
  return { publicKey, privateKey: secretKey };
}

/** Joins a key pair and the credential signed for it; refuses a credential of another key. */
export function assembleDevice(
  keyPair: DeviceSignatureKeyPair,
  credential: DeviceCredential,
): Device {
  if (keyPair.privateKey.length !== SEED_BYTES)
    throw new DeviceError('private key must be 32 bytes');
  const publicKey = ed25519.getPublicKey(keyPair.privateKey);
  if (!constantTimeEqual(publicKey, keyPair.publicKey)) {
    throw new DeviceError('public key does not belong to the private key');
  }
  if (!constantTimeEqual(credential.signaturePublicKey, publicKey)) {
    throw new DeviceError('credential is for another signature key');
  }
  if (!verifyDeviceCredential(credential)) throw new DeviceError('credential signature is invalid');
  return {
    credential,
    credentialBytes: encodeDeviceCredential(credential),
    signaturePublicKey: publicKey,
    signaturePrivateKey: keyPair.privateKey.slice(),
  };
}

/** For the device that holds the identity key itself (the user's first device, tests). */
export function createDevice(
  identityKey: IdentityKeyPair,
  ids: { readonly organizationId: string; readonly userId: string; readonly deviceId: string },
): Device {
  const keyPair = generateDeviceSignatureKeyPair();
  const credential = createDeviceCredential(identityKey, {
    ...ids,
    signaturePublicKey: keyPair.publicKey,
  });
  return assembleDevice(keyPair, credential);
}

export function deviceMlsCredential(device: Device): Credential {
  return { credentialType: 'basic', identity: device.credentialBytes };
}

/** Secret: u8 version || lp(signature private key) || lp(credential). Store it encrypted. */
export function encodeDevice(device: Device): Uint8Array {
  return new ByteWriter()
    .u8(DEVICE_BUNDLE_VERSION)
    .lengthPrefixed(device.signaturePrivateKey)
    .lengthPrefixed(device.credentialBytes)
    .toBytes();
}

export function decodeDevice(bytes: Uint8Array): Device {
  try {
    const reader = new ByteReader(bytes);
    const version = reader.u8();
    if (version !== DEVICE_BUNDLE_VERSION)
      throw new DeviceError(`unknown device version ${version}`);
    const privateKey = reader.lengthPrefixed();
    const credential = decodeDeviceCredential(reader.lengthPrefixed());
    reader.end();
    if (privateKey.length !== SEED_BYTES) throw new DeviceError('private key must be 32 bytes');
    return assembleDevice({ privateKey, publicKey: ed25519.getPublicKey(privateKey) }, credential);
  } catch (error) {
    if (error instanceof DeviceError) throw error;
    // ByteReaderError, DeviceCredentialError or a bad key: all mean the bundle is unusable.
    throw new DeviceError('malformed device bundle', { cause: error });
  }
}
