import {
  defaultCapabilities,
  defaultLifetime,
  generateKeyPackageWithKey,
  type CiphersuiteImpl,
  type KeyPackage,
  type Lifetime,
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

/** When a key package may be used to add its device (RFC 9420 section 7.2), to the second. */
export interface KeyPackageLifetime {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface GenerateKeyPackagesOptions {
  readonly ciphersuite: MlsCiphersuiteId;
  /** Marks the packages as last resort: kept (reusable) after a Welcome used them. */
  readonly lastResort: boolean;
  readonly store: KeyPackageStore;
  /**
   * Without it the packages never expire: devices do not rotate their stock on the server yet,
   * so a bounded lifetime would make a quiet device unreachable once it ran out.
   */
  readonly lifetime?: KeyPackageLifetime;
}

function mlsLifetime(lifetime: KeyPackageLifetime | undefined): Lifetime {
  if (lifetime === undefined) return defaultLifetime;
  const seconds = (date: Date): bigint => BigInt(Math.floor(date.getTime() / 1000));
  return { notBefore: seconds(lifetime.notBefore), notAfter: seconds(lifetime.notAfter) };
}

/**
 * Refuses a key package that may not be used now: one kept back (or replayed) by the server
 * after it expired, or one not valid yet. ts-mls checks this too, but reports it untyped.
 */
export function checkKeyPackageLifetime(keyPackage: KeyPackage, now: Date = new Date()): void {
  const { leafNode } = keyPackage;
  if (leafNode.leafNodeSource !== 'key_package') {
    throw new MlsGroupError('malformed_message', 'key package without a key package leaf');
  }
  const seconds = BigInt(Math.floor(now.getTime() / 1000));
  if (seconds < leafNode.lifetime.notBefore || seconds > leafNode.lifetime.notAfter) {
    throw new MlsGroupError('key_package_expired', 'the key package is outside its lifetime');
  }
}

/** A key package of the device; its private keys are not stored (external join, new group). */
export async function deviceKeyPackage(
  device: Device,
  cs: CiphersuiteImpl,
  lifetime?: KeyPackageLifetime,
): Promise<{ publicPackage: KeyPackage; privatePackage: PrivateKeyPackage }> {
  return generateKeyPackageWithKey(
    deviceMlsCredential(device),
    defaultCapabilities(),
    mlsLifetime(lifetime),
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
    const { publicPackage, privatePackage } = await deviceKeyPackage(device, cs, options.lifetime);
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
