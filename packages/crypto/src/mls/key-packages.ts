import {
  defaultCapabilities,
  defaultLifetime,
  generateKeyPackageWithKey,
  type CiphersuiteImpl,
  type KeyPackage,
  type PrivateKeyPackage,
} from 'ts-mls';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { loadCiphersuite, type MlsCiphersuiteId } from './ciphersuite.js';
import { deviceMlsCredential, type Device } from './device.js';
import type { KeyPackageStore } from './key-package-store.js';
import { encodeMessage } from './mls-message-codec.js';
import { MlsGroupError } from './mls-group-error.js';

/** Equal to MAX_KEY_PACKAGES_PER_UPLOAD of packages/protocol. */
export const MAX_KEY_PACKAGES_PER_CALL = 100;

export interface GenerateKeyPackagesOptions {
  readonly ciphersuite: MlsCiphersuiteId;
  /** Marks the packages as last resort: kept (reusable) after a Welcome used them. */
  readonly lastResort: boolean;
  readonly store: KeyPackageStore;
}

/** A key package of the device; its private keys are not stored (external join, new group). */
export async function deviceKeyPackage(
  device: Device,
  cs: CiphersuiteImpl,
): Promise<{ publicPackage: KeyPackage; privatePackage: PrivateKeyPackage }> {
  return generateKeyPackageWithKey(
    deviceMlsCredential(device),
    defaultCapabilities(),
    defaultLifetime,
    [],
    { signKey: device.signaturePrivateKey, publicKey: device.signaturePublicKey },
    cs,
  );
}

export function keyPackageReference(
  keyPackage: KeyPackage,
  cs: CiphersuiteImpl,
): Promise<Uint8Array> {
  return makeKeyPackageRef(keyPackage, cs.hash);
}

/**
 * Key packages to publish: returns their bytes and keeps their private keys in the store, keyed
 * by reference, so that a later Welcome can be joined.
 */
export async function generateKeyPackages(
  device: Device,
  count: number,
  options: GenerateKeyPackagesOptions,
): Promise<Uint8Array[]> {
  if (!Number.isInteger(count) || count < 1 || count > MAX_KEY_PACKAGES_PER_CALL) {
    throw new MlsGroupError('invalid_request', `count must be 1 to ${MAX_KEY_PACKAGES_PER_CALL}`);
  }
  const cs = await loadCiphersuite(options.ciphersuite);
  const published: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const { publicPackage, privatePackage } = await deviceKeyPackage(device, cs);
    const bytes = encodeMessage({ wireformat: 'mls_key_package', keyPackage: publicPackage });
    await options.store.put(await keyPackageReference(publicPackage, cs), {
      keyPackage: bytes,
      initPrivateKey: privatePackage.initPrivateKey,
      hpkePrivateKey: privatePackage.hpkePrivateKey,
      isLastResort: options.lastResort,
    });
    published.push(bytes);
  }
  return published;
}
