import { ByteReader, ByteReaderError, ByteWriter } from './bytes.js';
import {
  IDENTITY_PUBLIC_KEY_BYTES,
  IDENTITY_SIGNATURE_BYTES,
  IDENTITY_SIGNATURE_LABELS,
  isValidIdentityPublicKey,
  signWithIdentityKey,
  verifyIdentitySignature,
  type IdentityKeyPair,
} from './identity-key.js';
import { UUID_BYTES, uuidFromBytes, uuidToBytes } from './uuid.js';

/*
 * The MLS credential of one device: an MLS "basic" credential whose identity bytes are this
 * versioned struct. It binds the device's MLS leaf signature key to organization, user and
 * device, signed by the user's identity key:
 *
 *   signature = Ed25519(identity key, "amtsbote device credential v1" || 0x00 ||
 *                 lp(organizationId) || lp(userId) || lp(deviceId) ||
 *                 lp(signaturePublicKey) || lp(identityPublicKey))
 *
 * lp(x) = u16 big-endian length || x; ids are the 16 bytes of their UUID.
 * Encoding: u8 version || the same five lp fields || lp(signature).
 */

export const DEVICE_CREDENTIAL_VERSION = 1;
/** Both ciphersuites Amtsbote allows sign MLS messages with Ed25519. */
export const DEVICE_SIGNATURE_PUBLIC_KEY_BYTES = 32;

export interface DeviceCredentialFields {
  readonly organizationId: string;
  readonly userId: string;
  readonly deviceId: string;
  /** The device's MLS leaf signature public key. */
  readonly signaturePublicKey: Uint8Array;
}

export interface DeviceCredential extends DeviceCredentialFields {
  readonly version: typeof DEVICE_CREDENTIAL_VERSION;
  readonly identityPublicKey: Uint8Array;
  readonly signature: Uint8Array;
}

export type DeviceCredentialErrorReason =
  | 'truncated'
  | 'trailing_bytes'
  | 'unknown_version'
  | 'wrong_length'
  | 'invalid_id'
  | 'invalid_key';

export class DeviceCredentialError extends Error {
  readonly code = 'invalid_device_credential';

  constructor(
    readonly reason: DeviceCredentialErrorReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

function idBytes(name: string, text: string): Uint8Array {
  const bytes = uuidToBytes(text);
  if (bytes === null) throw new DeviceCredentialError('invalid_id', `${name} is not a UUID`);
  return bytes;
}

function toBeSigned(fields: DeviceCredentialFields, identityPublicKey: Uint8Array): Uint8Array {
  return new ByteWriter()
    .lengthPrefixed(idBytes('organizationId', fields.organizationId))
    .lengthPrefixed(idBytes('userId', fields.userId))
    .lengthPrefixed(idBytes('deviceId', fields.deviceId))
    .lengthPrefixed(fields.signaturePublicKey)
    .lengthPrefixed(identityPublicKey)
    .toBytes();
}

/** Made by the holder of the user's identity key, for one of the user's devices. */
export function createDeviceCredential(
  identityKey: IdentityKeyPair,
  fields: DeviceCredentialFields,
): DeviceCredential {
  if (!isValidIdentityPublicKey(fields.signaturePublicKey)) {
    throw new DeviceCredentialError('invalid_key', 'signaturePublicKey is not an Ed25519 key');
  }
  const tbs = toBeSigned(fields, identityKey.publicKey);
  return {
    version: DEVICE_CREDENTIAL_VERSION,
    organizationId: fields.organizationId,
    userId: fields.userId,
    deviceId: fields.deviceId,
    signaturePublicKey: fields.signaturePublicKey.slice(),
    identityPublicKey: identityKey.publicKey.slice(),
    signature: signWithIdentityKey(identityKey, IDENTITY_SIGNATURE_LABELS.deviceCredential, tbs),
  };
}

/** True when the identity key named in the credential signed exactly these fields. */
export function verifyDeviceCredential(credential: DeviceCredential): boolean {
  let tbs: Uint8Array;
  try {
    tbs = toBeSigned(credential, credential.identityPublicKey);
  } catch {
    return false;
  }
  return verifyIdentitySignature(
    credential.identityPublicKey,
    IDENTITY_SIGNATURE_LABELS.deviceCredential,
    tbs,
    credential.signature,
  );
}

export function encodeDeviceCredential(credential: DeviceCredential): Uint8Array {
  return new ByteWriter()
    .u8(credential.version)
    .raw(toBeSigned(credential, credential.identityPublicKey))
    .lengthPrefixed(credential.signature)
    .toBytes();
}

function exact(field: string, bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.length !== length) {
    throw new DeviceCredentialError('wrong_length', `${field} must be ${length} bytes`);
  }
  return bytes;
}

function id(field: string, bytes: Uint8Array): string {
  const text = uuidFromBytes(exact(field, bytes, UUID_BYTES));
  if (text === null) throw new DeviceCredentialError('invalid_id', `${field} is not a UUID`);
  return text;
}

/** Strict: the signature is not checked here (see verifyDeviceCredential), the shape is. */
export function decodeDeviceCredential(bytes: Uint8Array): DeviceCredential {
  const reader = new ByteReader(bytes);
  try {
    const version = reader.u8();
    if (version !== DEVICE_CREDENTIAL_VERSION) {
      throw new DeviceCredentialError('unknown_version', `unknown credential version ${version}`);
    }
    const organizationId = id('organizationId', reader.lengthPrefixed());
    const userId = id('userId', reader.lengthPrefixed());
    const deviceId = id('deviceId', reader.lengthPrefixed());
    const signaturePublicKey = exact(
      'signaturePublicKey',
      reader.lengthPrefixed(),
      DEVICE_SIGNATURE_PUBLIC_KEY_BYTES,
    );
    const identityPublicKey = exact(
      'identityPublicKey',
      reader.lengthPrefixed(),
      IDENTITY_PUBLIC_KEY_BYTES,
    );
    const signature = exact('signature', reader.lengthPrefixed(), IDENTITY_SIGNATURE_BYTES);
    reader.end();
    return {
      version,
      organizationId,
      userId,
      deviceId,
      signaturePublicKey,
      identityPublicKey,
      signature,
    };
  } catch (error) {
    if (error instanceof ByteReaderError) {
      throw new DeviceCredentialError(error.reason, error.message, { cause: error });
    }
    throw error;
  }
}
