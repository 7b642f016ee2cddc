import { ByteWriter } from '../mls/bytes.js';
import { uuidToBytes } from '../mls/uuid.js';
import {
  RecordCipherError,
  decryptRecord,
  encryptRecord,
  importStorageKey,
  type StorageKey,
} from '../record-cipher.js';
import { ACCOUNT_LABELS, hkdfSha256, labelBytes } from './account-kdf.js';
import {
  HumanCodeError,
  formatHumanCode,
  humanCodeBits,
  parseHumanCode,
  randomSymbols,
  type HumanCodeFormat,
} from './human-code.js';
import {
  UserSecretsError,
  decodeUserSecrets,
  encodeUserSecrets,
  type UserSecrets,
} from './user-secrets.js';

/*
 * The recovery key: 130 random bits the user writes down once, when the first device is set
 * up. It seals the user secrets (AES-256-GCM under an HKDF-derived key, bound to the user) for
 * the server to keep; a new device with the recovery key fetches and opens them when no other
 * device is left to approve it. High entropy, so no stretching: guessing is 2^130 work offline.
 */

export const RECOVERY_KEY_FORMAT: HumanCodeFormat = {
  dataSymbols: 26,
  checkSymbols: 2,
  groupSize: 4,
};
export const RECOVERY_KEY_BITS = humanCodeBits(RECOVERY_KEY_FORMAT);
const SEALING_KEY_BYTES = 32;

/** A recovery key: its grouped text (shown once) and its symbols (the key material). */
export interface RecoveryKey {
  readonly text: string;
  readonly symbols: Uint8Array;
}

export type RecoveryKeyErrorReason =
  /** Not a recovery key: wrong characters, length or check symbols. */
  | 'mistyped'
  /** A well-formed key that does not open the sealed secrets: another key, or another user's. */
  | 'wrong_key';

export class RecoveryKeyError extends Error {
  readonly code = 'invalid_recovery_key';

  constructor(
    readonly reason: RecoveryKeyErrorReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RecoveryKeyError';
  }
}

export function generateRecoveryKey(): RecoveryKey {
  const symbols = randomSymbols(RECOVERY_KEY_FORMAT.dataSymbols);
  return { text: formatHumanCode(RECOVERY_KEY_FORMAT, symbols), symbols };
}

/** Reads a typed recovery key; a typo is a RecoveryKeyError 'mistyped'. */
export function parseRecoveryKey(input: string): RecoveryKey {
  try {
    const symbols = parseHumanCode(RECOVERY_KEY_FORMAT, input);
    return { text: formatHumanCode(RECOVERY_KEY_FORMAT, symbols), symbols };
  } catch (error) {
    if (error instanceof HumanCodeError) {
      throw new RecoveryKeyError('mistyped', `not a recovery key: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

function userIdBytes(userId: string): Uint8Array {
  const bytes = uuidToBytes(userId);
  if (bytes === null) throw new RangeError('userId is not a UUID');
  return bytes;
}

async function sealingKey(key: RecoveryKey, userId: string): Promise<StorageKey> {
  const info = new ByteWriter()
    .lengthPrefixed(labelBytes(ACCOUNT_LABELS.recoveryKey))
    .lengthPrefixed(userIdBytes(userId))
    .toBytes();
  return importStorageKey(await hkdfSha256(key.symbols, info, SEALING_KEY_BYTES));
}

/** The user secrets sealed under the recovery key, for the server to keep. */
export async function sealUserSecretsWithRecoveryKey(
  key: RecoveryKey,
  secrets: UserSecrets,
  userId: string,
): Promise<Uint8Array> {
  return encryptRecord(
    await sealingKey(key, userId),
    encodeUserSecrets(secrets),
    labelBytes(ACCOUNT_LABELS.recoverySealed),
  );
}

/** Opens what sealUserSecretsWithRecoveryKey sealed; a RecoveryKeyError 'wrong_key' otherwise. */
export async function openUserSecretsWithRecoveryKey(
  key: RecoveryKey,
  sealed: Uint8Array,
  userId: string,
): Promise<UserSecrets> {
  try {
    const plaintext = await decryptRecord(
      await sealingKey(key, userId),
      sealed,
      labelBytes(ACCOUNT_LABELS.recoverySealed),
    );
    return decodeUserSecrets(plaintext);
  } catch (error) {
    if (error instanceof RecordCipherError || error instanceof UserSecretsError) {
      throw new RecoveryKeyError('wrong_key', 'the recovery key does not open the secrets', {
        cause: error,
      });
    }
    throw error;
  }
}
