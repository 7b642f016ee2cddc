import {
  base64urlDecode,
  constantTimeEqual,
  createDevice,
  generateIdentityKey,
  type IdentityKeyPair,
} from '@amtsbote/crypto';
import type { CiphersuiteId } from '@amtsbote/protocol';
import { ApiError } from '../http-api.js';
import type { LocalStore } from '../store/local-store.js';
import { AccountStore, type Account, type AccountIds } from './account-store.js';
import type { MessagingApi } from './messaging-api.js';
import { MessagingError } from './messaging-error.js';

/*
 * A device's account: on the user's first device a new identity key, published once; on any
 * device an MLS device credential signed by that identity key. Stored (encrypted at rest)
 * before anything is published, so a crash never leaves a published key this device lost.
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

async function createAccount(
  store: LocalStore,
  api: MessagingApi,
  ids: AccountIds,
  ciphersuite: CiphersuiteId,
  identityKey: IdentityKeyPair,
): Promise<Account> {
  const account: Account = {
    ...ids,
    ciphersuite,
    identityKey,
    device: createDevice(identityKey, ids),
  };
  const accounts = new AccountStore(store);
  await accounts.save(account);
  try {
    await publish(api, identityKey);
  } catch (error) {
    // Refused for good (another identity key won): nothing of this account was published.
    if (error instanceof MessagingError) await accounts.clear();
    throw error;
  }
  return account;
}

/** The stored account of this device, or null before bootstrap. */
export async function loadAccount(store: LocalStore, ids: AccountIds): Promise<Account | null> {
  const account = await new AccountStore(store).load();
  return account === null ? null : checkSameAccount(account, ids);
}

/**
 * The user's first device: creates the identity key. Refused with identity_key_exists when the
 * user already has one (another device holds it: see bootstrapDeviceWithIdentityKey).
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
  return createAccount(store, api, ids, ciphersuite, generateIdentityKey());
}

/**
 * A further device of a user, given the user's identity key. Interim: the device-approval flow
 * (the key travels encrypted from an approved device) will replace passing it in by hand.
 */
export async function bootstrapDeviceWithIdentityKey(
  store: LocalStore,
  api: MessagingApi,
  ids: AccountIds,
  ciphersuite: CiphersuiteId,
  identityKey: IdentityKeyPair,
): Promise<Account> {
  const existing = await loadAccount(store, ids);
  if (existing !== null) return existing;
  const identity = await api.userIdentity(ids.userId);
  if (
    identity.identityKey !== null &&
    !constantTimeEqual(base64urlDecode(identity.identityKey), identityKey.publicKey)
  ) {
    throw new MessagingError('identity_key_mismatch', 'the server holds another identity key');
  }
  return createAccount(store, api, ids, ciphersuite, identityKey);
}
