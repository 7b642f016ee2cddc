import { generateStorageKeyBytes, importStorageKey, type StorageKey } from '@amtsbote/crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EncryptedStore } from '../encrypted-store.js';
import { COLLECTIONS, type LocalStore, type StoreOperation } from '../local-store.js';
import { FileStore, SimulatedCrashError } from './file-store.js';

/** Every file below root (records, journal, temporary files) whose bytes contain the needle. */
async function filesContaining(root: string, needle: Uint8Array): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const hits: string[] = [];
  let fileCount = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    fileCount += 1;
    const path = join(entry.parentPath, entry.name);
    if ((await readFile(path)).includes(Buffer.from(needle))) hits.push(path);
  }
  expect(fileCount).toBeGreaterThan(COLLECTIONS.length);
  return hits;
}

const canary = new TextEncoder().encode('CANARY-5f3c9e1a-Steuer-ID-12345678901');

/**
 * Writes the canary through the store into every collection, by put and by transaction, and
 * leaves a committed journal holding it on disk (the transaction "crashes" before applying).
 */
async function writeCanaryEverywhere(
  store: LocalStore,
  openDying: () => Promise<LocalStore>,
): Promise<void> {
  for (const collection of COLLECTIONS) await store.put(collection, 'by-put', canary);
  await store.transaction(
    COLLECTIONS.map((collection) => ({
      type: 'put',
      collection,
      key: 'by-transaction',
      value: canary,
    })),
  );
  await store.close();
  const pending: StoreOperation[] = [
    { type: 'put', collection: 'messages', key: 'in-journal', value: canary },
  ];
  const dying = await openDying();
  await expect(dying.transaction(pending)).rejects.toThrow(SimulatedCrashError);
}

describe('EncryptedStore over FileStore', () => {
  let directory: string;
  let key: StorageKey;

  beforeEach(async () => {
    directory = join(await mkdtemp(join(tmpdir(), 'amtsbote-canary-')), 'profile');
    key = await importStorageKey(generateStorageKeyBytes());
  });

  afterEach(async () => {
    await rm(join(directory, '..'), { recursive: true, force: true });
  });

  async function openEncrypted(options: { crash?: boolean } = {}): Promise<LocalStore> {
    const files = await FileStore.open(
      directory,
      options.crash === true ? { dangerousTestOnlyCrashAt: 'after-journal-commit' } : {},
    );
    return new EncryptedStore(files, key);
  }

  it('never writes a value in plaintext to any file, the journal included', async () => {
    await writeCanaryEverywhere(await openEncrypted(), () => openEncrypted({ crash: true }));
    expect((await readdir(directory)).includes('journal')).toBe(true);
    expect(await filesContaining(directory, canary)).toEqual([]);

    const reopened = await openEncrypted();
    expect(await reopened.get('messages', 'in-journal')).toEqual(canary);
    for (const collection of COLLECTIONS) {
      expect(await reopened.get(collection, 'by-put')).toEqual(canary);
      expect(await reopened.get(collection, 'by-transaction')).toEqual(canary);
    }
    await reopened.close();
    expect(await filesContaining(directory, canary)).toEqual([]);
  });

  it('would find the canary in the files of a store without encryption', async () => {
    await writeCanaryEverywhere(await FileStore.open(directory), () =>
      FileStore.open(directory, { dangerousTestOnlyCrashAt: 'after-journal-commit' }),
    );
    const hits = await filesContaining(directory, canary);
    expect(hits).toContain(join(directory, 'journal'));
    expect(hits.length).toBe(2 * COLLECTIONS.length + 1);
  });
});
