import {
  RecoveryKeyError,
  generateRecoveryKey,
  openUserSecretsWithRecoveryKey,
  parseRecoveryKey,
  sealUserSecretsWithRecoveryKey,
  type RecoveryKey,
  type UserSecrets,
} from '@amtsbote/crypto';
import type { AccountApi } from './account-api.js';
import type { Account } from './account-store.js';
import { MessagingError } from './messaging-error.js';

/*
 * The recovery key (ADR 0007): made on the user's first device and shown to the user once; the
 * server keeps only the user secrets sealed under it. It is never stored on a device.
 */

/** Makes a new recovery key, stores the secrets sealed under it on the server, returns its text. */
export async function createRecoveryKey(api: AccountApi, account: Account): Promise<string> {
  const key = generateRecoveryKey();
  const secrets = { identityKey: account.identityKey, historyKey: account.historyKey };
  await api.putRecovery(await sealUserSecretsWithRecoveryKey(key, secrets, account.userId));
  return key.text;
}

/**
 * The first device's recovery: a new key when the server has none for the user (a new account,
 * or a crash before the upload); null when it has one, whose key was shown before.
 */
export async function ensureRecoveryKey(api: AccountApi, account: Account): Promise<string | null> {
  if ((await api.recovery()) !== null) return null;
  return createRecoveryKey(api, account);
}

function parse(text: string): RecoveryKey {
  try {
    return parseRecoveryKey(text);
  } catch (error) {
    if (error instanceof RecoveryKeyError) {
      throw new MessagingError('recovery_key_mistyped', error.message, { cause: error });
    }
    throw error;
  }
}

/** The user secrets from the server, opened with the recovery key the user typed. */
export async function recoverUserSecrets(
  api: AccountApi,
  userId: string,
  text: string,
): Promise<UserSecrets> {
  const key = parse(text);
  const sealed = await api.recovery();
  if (sealed === null) {
    throw new MessagingError('recovery_not_set_up', 'the user has no recovery key on the server');
  }
  try {
    return await openUserSecretsWithRecoveryKey(key, sealed, userId);
  } catch (error) {
    if (error instanceof RecoveryKeyError) {
      throw new MessagingError('recovery_key_invalid', 'the recovery key is not this user’s', {
        cause: error,
      });
    }
    throw error;
  }
}
