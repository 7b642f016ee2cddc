import {
  decodeDevice,
  encodeDevice,
  exportIdentityPrivateKey,
  importIdentityPrivateKey,
  type Device,
  type IdentityKeyPair,
} from '@amtsbote/crypto';
import { CIPHERSUITES, type CiphersuiteId } from '@amtsbote/protocol';
import { z } from 'zod';
import { JsonCollection } from '../store/json-collection.js';
import type { LocalStore, StoreOperation } from '../store/local-store.js';
import { LocalStoreError } from '../store/local-store-error.js';

/*
 * This device's account in the 'identity' collection: who it is, the user's identity private
 * key and the device's MLS signature key with its credential. All of it is secret; the store is
 * encrypted at rest (EncryptedStore). Written in one transaction, so it is all there or absent.
 */

const ACCOUNT_KEY = 'account';
const IDENTITY_KEY = 'identity-key';
const DEVICE_KEY = 'device';

const accountRecordSchema = z.strictObject({
  v: z.literal(1),
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

export interface Account extends AccountIds {
  readonly ciphersuite: CiphersuiteId;
  readonly identityKey: IdentityKeyPair;
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
    return {
      organizationId: record.organizationId,
      userId: record.userId,
      deviceId: record.deviceId,
      ciphersuite: record.ciphersuite,
      identityKey: importIdentityPrivateKey(privateKey),
      device,
    };
  }

  async save(account: Account): Promise<void> {
    const operations: StoreOperation[] = [
      {
        type: 'put',
        collection: 'identity',
        key: IDENTITY_KEY,
        value: exportIdentityPrivateKey(account.identityKey),
      },
      { type: 'put', collection: 'identity', key: DEVICE_KEY, value: encodeDevice(account.device) },
      this.#records.putOperation(ACCOUNT_KEY, {
        v: 1,
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
      [ACCOUNT_KEY, IDENTITY_KEY, DEVICE_KEY].map((key) => ({
        type: 'delete',
        collection: 'identity',
        key,
      })),
    );
  }
}
