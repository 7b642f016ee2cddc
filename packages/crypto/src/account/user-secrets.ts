import { randomBytes } from '../random.js';
import { ByteReader, ByteReaderError, ByteWriter } from '../mls/bytes.js';
import {
  IDENTITY_PRIVATE_KEY_BYTES,
  generateIdentityKey,
  importIdentityPrivateKey,
  type IdentityKeyPair,
} from '../mls/identity-key.js';

/*
 * What every device of a user holds and nothing else does: the identity key (signs the user's
 * device credentials) and the history key (encrypts the user's history backup). The first
 * device creates both; they travel only sealed, to a new device (device link) or to the server
 * under the recovery key.
 *
 * Encoding: u8 version || lp(identity private key seed) || lp(history key),
 * lp(x) = u16 big-endian length || x.
 */

export const USER_SECRETS_VERSION = 1;
export const HISTORY_KEY_BYTES = 32;
/** The encoded size; the only size decodeUserSecrets accepts. */
export const USER_SECRETS_BYTES = 1 + 2 + IDENTITY_PRIVATE_KEY_BYTES + 2 + HISTORY_KEY_BYTES;

export interface UserSecrets {
  readonly identityKey: IdentityKeyPair;
  readonly historyKey: Uint8Array;
}

export type UserSecretsErrorReason =
  'truncated' | 'trailing_bytes' | 'unknown_version' | 'wrong_length';

export class UserSecretsError extends Error {
  readonly code = 'invalid_user_secrets';

  constructor(
    readonly reason: UserSecretsErrorReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'UserSecretsError';
  }
}

export function generateHistoryKey(): Uint8Array {
  return randomBytes(HISTORY_KEY_BYTES);
}

/** A new user's secrets, made once by the user's first device. */
export function generateUserSecrets(): UserSecrets {
  return { identityKey: generateIdentityKey(), historyKey: generateHistoryKey() };
}

export function encodeUserSecrets(secrets: UserSecrets): Uint8Array<ArrayBuffer> {
  if (secrets.historyKey.length !== HISTORY_KEY_BYTES) {
    throw new UserSecretsError('wrong_length', `the history key has ${HISTORY_KEY_BYTES} bytes`);
  }
  return new ByteWriter()
    .u8(USER_SECRETS_VERSION)
    .lengthPrefixed(secrets.identityKey.privateKey)
    .lengthPrefixed(secrets.historyKey)
    .toBytes();
}

function exact(field: string, bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.length !== length) {
    throw new UserSecretsError('wrong_length', `${field} must be ${length} bytes`);
  }
  return bytes;
}

/** Strict: one version, exact lengths, nothing trailing. */
export function decodeUserSecrets(bytes: Uint8Array): UserSecrets {
  const reader = new ByteReader(bytes);
  try {
    const version = reader.u8();
    if (version !== USER_SECRETS_VERSION) {
      throw new UserSecretsError('unknown_version', `unknown user secrets version ${version}`);
    }
    const privateKey = exact('identity key', reader.lengthPrefixed(), IDENTITY_PRIVATE_KEY_BYTES);
    const historyKey = exact('history key', reader.lengthPrefixed(), HISTORY_KEY_BYTES);
    reader.end();
    return { identityKey: importIdentityPrivateKey(privateKey), historyKey };
  } catch (error) {
    if (error instanceof ByteReaderError) {
      throw new UserSecretsError(error.reason, error.message, { cause: error });
    }
    throw error;
  }
}
