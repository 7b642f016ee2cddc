import {
  HISTORY_KEY_BYTES,
  decodeDevice,
  encodeDevice,
  exportIdentityPrivateKey,
  generateHistoryKey,
  importIdentityPrivateKey,
  type Device,
  type IdentityKeyPair,
  type UserSecrets,
} from '@amtsbote/crypto';
import { CIPHERSUITES, type CiphersuiteId } from '@amtsbote/protocol';
import { z } from 'zod';
import { JsonCollection } from '../store/json-collection.js';
import type { LocalStore, StoreOperation } from '../store/local-store.js';
import { LocalStoreError } from '../store/local-store-error.js';

/*
 * This device's account in the 'identity' collection: who it is, the user secrets (identity
 * private key, history key) and the device's MLS signature key with its credential. All of it
 * is secret; the store is encrypted at rest (EncryptedStore). Written in one transaction, so it
 * is all there or absent.
 *
 * Record versions: v1 (before user secrets) has no history key. Such an account gets a new
 * history key when it is loaded, saved at once as v2. Nothing is lost: before v2 there was no
 * history backup for a key to open. (Further devices of a v1 user could only be set up by hand
 * in tests, so in practice no user ends up with devices holding different history keys.)
 */

const ACCOUNT_KEY = 'account';
const IDENTITY_KEY = 'identity-key';
const HISTORY_KEY = 'history-key';
const DEVICE_KEY = 'device';
const ACCOUNT_VERSION = 2;

const accountRecordSchema = z.strictObject({
  v: z.union([z.literal(1), z.literal(ACCOUNT_VERSION)]),
  organizationId: z.uuid(),
  userId: z.uuid(),
  deviceId: z.uuid(),
  ciphersuite: z.union([z.literal(CIPHERSUITES.xwing), z.literal(CIPHERSUITES.classic)]),
});

export interface AccountIds {
  readonly organizationId: string;
  readonly userId: string;
  readonly deviceId: string;
}

export interface Account extends AccountIds, UserSecrets {
  readonly ciphersuite: CiphersuiteId;
  readonly identityKey: IdentityKeyPair;
  /** Encrypts the user's history backup; the same on every device of the user. */
  readonly historyKey: Uint8Array;
  readonly device: Device;
}

export class AccountStore {
  readonly #store: LocalStore;
  readonly #records: JsonCollection<z.infer<typeof accountRecordSchema>>;

  constructor(store: LocalStore) {
    this.#store = store;
    this.#records = new JsonCollection(store, 'identity', accountRecordSchema);
  }

  async load(): Promise<Account | null> {
    const record = await this.#records.get(ACCOUNT_KEY);
    if (record === null) return null;
    const privateKey = await this.#store.get('identity', IDENTITY_KEY);
    const deviceBytes = await this.#store.get('identity', DEVICE_KEY);
    if (privateKey === null || deviceBytes === null) {
      throw new LocalStoreError('corrupt_record', 'the account has no identity or device key');
    }
    const device = decodeDevice(deviceBytes);
    const { credential } = device;
    if (credential.userId !== record.userId || credential.deviceId !== record.deviceId) {
      throw new LocalStoreError('corrupt_record', 'the device credential names another device');
    }
    const account = {
      organizationId: record.organizationId,
      userId: record.userId,
      deviceId: record.deviceId,
      ciphersuite: record.ciphersuite,
      identityKey: importIdentityPrivateKey(privateKey),
      device,
    };
    if (record.v === 1) {
      const upgraded: Account = { ...account, historyKey: generateHistoryKey() };
      await this.save(upgraded);
      return upgraded;
    }
    const historyKey = await this.#store.get('identity', HISTORY_KEY);
    if (historyKey?.length !== HISTORY_KEY_BYTES) {
      throw new LocalStoreError('corrupt_record', 'the account has no valid history key');
    }
    return { ...account, historyKey };
  }

  async save(account: Account): Promise<void> {
    const operations: StoreOperation[] = [
      {
        type: 'put',
        collection: 'identity',
        key: IDENTITY_KEY,
        value: exportIdentityPrivateKey(account.identityKey),
      },
      { type: 'put', collection: 'identity', key: HISTORY_KEY, value: account.historyKey.slice() },
      { type: 'put', collection: 'identity', key: DEVICE_KEY, value: encodeDevice(account.device) },
      this.#records.putOperation(ACCOUNT_KEY, {
        v: ACCOUNT_VERSION,
        organizationId: account.organizationId,
        userId: account.userId,
        deviceId: account.deviceId,
        ciphersuite: account.ciphersuite,
      }),
    ];
    await this.#store.transaction(operations);
  }

  /** Forgets an account the server refused, so that bootstrap can be tried again. */
  async clear(): Promise<void> {
    await this.#store.transaction(
      [ACCOUNT_KEY, IDENTITY_KEY, HISTORY_KEY, DEVICE_KEY].map((key) => ({
        type: 'delete',
        collection: 'identity',
        key,
      })),
    );
  }
}
