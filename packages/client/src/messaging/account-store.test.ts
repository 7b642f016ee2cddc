import { randomUUID } from 'node:crypto';
import {
  HISTORY_KEY_BYTES,
  createDevice,
  encodeDevice,
  exportIdentityPrivateKey,
  generateUserSecrets,
} from '@amtsbote/crypto';
import { CIPHERSUITES } from '@amtsbote/protocol';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory-store.js';
import { AccountStore, type Account } from './account-store.js';

function newAccount(): Account {
  const ids = { organizationId: randomUUID(), userId: randomUUID(), deviceId: randomUUID() };
  const secrets = generateUserSecrets();
  return {
    ...ids,
    ciphersuite: CIPHERSUITES.xwing,
    ...secrets,
    device: createDevice(secrets.identityKey, ids),
  };
}

const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

describe('AccountStore', () => {
  it('saves and loads the user secrets with the device', async () => {
    const store = new MemoryStore();
    const account = newAccount();
    await new AccountStore(store).save(account);
    const loaded = await new AccountStore(store).load();
    expect(loaded?.identityKey.privateKey).toEqual(account.identityKey.privateKey);
    expect(loaded?.historyKey).toEqual(account.historyKey);
    expect(loaded?.device.credential.deviceId).toBe(account.deviceId);
  });

  it('gives an account stored before user secrets (v1) a history key once, and keeps it', async () => {
    const store = new MemoryStore();
    const account = newAccount();
    // What an older client wrote: no history key, record version 1.
    await store.transaction([
      {
        type: 'put',
        collection: 'identity',
        key: 'identity-key',
        value: exportIdentityPrivateKey(account.identityKey),
      },
      { type: 'put', collection: 'identity', key: 'device', value: encodeDevice(account.device) },
      {
        type: 'put',
        collection: 'identity',
        key: 'account',
        value: json({
          v: 1,
          organizationId: account.organizationId,
          userId: account.userId,
          deviceId: account.deviceId,
          ciphersuite: account.ciphersuite,
        }),
      },
    ]);
    const upgraded = await new AccountStore(store).load();
    expect(upgraded?.historyKey).toHaveLength(HISTORY_KEY_BYTES);
    expect(upgraded?.identityKey.privateKey).toEqual(account.identityKey.privateKey);
    const record = JSON.parse(
      new TextDecoder().decode((await store.get('identity', 'account')) ?? new Uint8Array()),
    ) as { v: number };
    expect(record.v).toBe(2);
    expect((await new AccountStore(store).load())?.historyKey).toEqual(upgraded?.historyKey);
  });

  it('refuses a v2 account without its history key as corrupt', async () => {
    const store = new MemoryStore();
    await new AccountStore(store).save(newAccount());
    await store.delete('identity', 'history-key');
    await expect(new AccountStore(store).load()).rejects.toMatchObject({ code: 'corrupt_record' });
  });

  it('clears every part of the account', async () => {
    const store = new MemoryStore();
    const accounts = new AccountStore(store);
    await accounts.save(newAccount());
    await accounts.clear();
    expect(await accounts.load()).toBeNull();
    expect(await store.list('identity')).toEqual([]);
  });
});
