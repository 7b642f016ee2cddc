import { generateStorageKeyBytes, importStorageKey } from '@amtsbote/crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EncryptedStore } from './encrypted-store.js';
import type { LocalStore } from './local-store.js';
import { describeLocalStoreContract, type LocalStoreBackend } from './local-store-contract.js';
import { MemoryStore } from './memory-store.js';
import { FileStore } from './node/file-store.js';

/** The LocalStore contract (local-store-contract.ts) against the stores that run in Node. */

async function encrypted(inner: LocalStore): Promise<LocalStore> {
  return new EncryptedStore(inner, await importStorageKey(generateStorageKeyBytes()));
}

/** A backend whose store lives in a fresh temporary directory, removed after the test. */
function inTemporaryDirectory(
  name: string,
  open: (directory: string) => Promise<LocalStore>,
): LocalStoreBackend {
  return {
    name,
    open: async () => {
      const directory = await mkdtemp(join(tmpdir(), 'amtsbote-store-'));
      const cleanUp = (): Promise<void> => rm(directory, { recursive: true, force: true });
      try {
        return { store: await open(join(directory, 'profile')), cleanUp };
      } catch (error) {
        await cleanUp();
        throw error;
      }
    },
  };
}

const inMemory = (name: string, open: () => Promise<LocalStore>): LocalStoreBackend => ({
  name,
  open: async () => ({ store: await open(), cleanUp: () => Promise.resolve() }),
});

describeLocalStoreContract([
  inMemory('MemoryStore', () => Promise.resolve(new MemoryStore())),
  inMemory('EncryptedStore(MemoryStore)', () => encrypted(new MemoryStore())),
  inTemporaryDirectory('FileStore', (directory) => FileStore.open(directory)),
  inTemporaryDirectory('EncryptedStore(FileStore)', async (directory) =>
    encrypted(await FileStore.open(directory)),
  ),
]);
