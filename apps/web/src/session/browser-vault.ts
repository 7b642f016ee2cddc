import { MemoryStore, type LocalStore } from '@amtsbote/client';
import type { DeviceVault } from './device-vault.js';

// Placeholder while the IndexedDB vault is built: replaced in the next step.
export function createBrowserVault(): DeviceVault {
  let store: LocalStore | null = null;
  return {
    exists: () => Promise.resolve(false),
    create: () => Promise.resolve((store = new MemoryStore())),
    unlock: () => Promise.reject(new Error('no vault')),
    wipe: async () => {
      await store?.close();
      store = null;
    },
  };
}
