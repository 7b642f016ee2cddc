import {
  base64urlDecode,
  constantTimeEqual,
  createDevice,
  generateUserSecrets,
  type IdentityKeyPair,
  type UserSecrets,
} from '@amtsbote/crypto';
import type { CiphersuiteId } from '@amtsbote/protocol';
import { ApiError } from '../http-api.js';
import type { LocalStore } from '../store/local-store.js';
import { AccountStore, type Account, type AccountIds } from './account-store.js';
import type { MessagingApi } from './messaging-api.js';
import { MessagingError } from './messaging-error.js';

/*
 * A device's account: on the user's first device new user secrets, the identity key published
 * once; on a further device the user secrets received from another device (device link) or
 * from the server under the recovery key. On any device an MLS device credential signed by the
 * identity key. Stored (encrypted at rest) before anything is published, so a crash never
 * leaves a published key this device lost.
 */

function checkSameAccount(account: Account, ids: AccountIds): Account {
  if (
    account.organizationId !== ids.organizationId ||
    account.userId !== ids.userId ||
    account.deviceId !== ids.deviceId
  ) {
    throw new MessagingError('account_mismatch', 'the local store belongs to another device');
  }
  return account;
}

async function publish(api: MessagingApi, identityKey: IdentityKeyPair): Promise<void> {
  try {
    await api.publishIdentityKey(identityKey.publicKey);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'identity_key_exists') {
      throw new MessagingError('identity_key_exists', 'the user has another identity key', {
        cause: error,
      });
    }
    throw error;
  }
}

function newAccount(ids: AccountIds, ciphersuite: CiphersuiteId, secrets: UserSecrets): Account {
  return {
    ...ids,
    ciphersuite,
    identityKey: secrets.identityKey,
    historyKey: secrets.historyKey,
    device: createDevice(secrets.identityKey, ids),
  };
}

/** The stored account of this device, or null before bootstrap. */
export async function loadAccount(store: LocalStore, ids: AccountIds): Promise<Account | null> {
  const account = await new AccountStore(store).load();
  return account === null ? null : checkSameAccount(account, ids);
}

/**
 * The user's first device: creates the user secrets. Refused with identity_key_exists when the
 * user already has an identity key (another device holds it: link or recover this device).
 */
export async function bootstrapFirstDevice(
  store: LocalStore,
  api: MessagingApi,
  ids: AccountIds,
  ciphersuite: CiphersuiteId,
): Promise<Account> {
  const existing = await loadAccount(store, ids);
  if (existing !== null) {
    // Publishing again is idempotent and repairs a crash between storing and publishing.
    await publish(api, existing.identityKey);
    return existing;
  }
  const identity = await api.userIdentity(ids.userId);
  if (identity.identityKey !== null) {
    throw new MessagingError('identity_key_exists', 'the user already has an identity key');
  }
  const account = newAccount(ids, ciphersuite, generateUserSecrets());
  const accounts = new AccountStore(store);
  await accounts.save(account);
  try {
    await publish(api, account.identityKey);
  } catch (error) {
    // Refused for good (another identity key won): nothing of this account was published.
    if (error instanceof MessagingError) await accounts.clear();
    throw error;
  }
  return account;
}

/**
 * A further device of a user, with the user secrets it received. They must hold the identity
 * key the server publishes for the user: what other users pinned. Nothing is stored otherwise.
 */
export async function bootstrapWithUserSecrets(
  store: LocalStore,
  api: MessagingApi,
  ids: AccountIds,
  ciphersuite: CiphersuiteId,
  secrets: UserSecrets,
): Promise<Account> {
  const existing = await loadAccount(store, ids);
  if (existing !== null) return existing;
  const identity = await api.userIdentity(ids.userId);
  if (
    identity.identityKey === null ||
    !constantTimeEqual(base64urlDecode(identity.identityKey), secrets.identityKey.publicKey)
  ) {
    throw new MessagingError(
      'identity_key_mismatch',
      'the secrets received hold another identity key than the server publishes for the user',
    );
  }
  const account = newAccount(ids, ciphersuite, secrets);
  await new AccountStore(store).save(account);
  return account;
}
