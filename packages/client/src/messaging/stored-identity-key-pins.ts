import type { IdentityKeyPins } from '@amtsbote/crypto';
import type { LocalStore } from '../store/local-store.js';

/** The identity keys of other users this device pinned, in the 'pins' collection by user id. */
export class StoredIdentityKeyPins implements IdentityKeyPins {
  readonly #store: LocalStore;

  constructor(store: LocalStore) {
    this.#store = store;
  }

  async get(userId: string): Promise<Uint8Array | null> {
    return this.#store.get('pins', userId);
  }

  async pin(userId: string, identityPublicKey: Uint8Array): Promise<void> {
    await this.#store.put('pins', userId, identityPublicKey);
  }
}
