import { constantTimeEqual, type IdentityKeyPins } from '@amtsbote/crypto';
import type { LocalStore } from '../store/local-store.js';

/** The user this device belongs to, and the identity key its account holds. */
export interface OwnIdentity {
  readonly userId: string;
  readonly identityPublicKey: Uint8Array;
}

/**
 * The identity keys of other users this device pinned, in the 'pins' collection by user id.
 * The key of the device's own user is known, not learned: it is the account's, so a device of
 * the own user under any other key (in a group info the server serves, say) is refused from
 * the first contact on instead of being trusted on first use.
 */
export class StoredIdentityKeyPins implements IdentityKeyPins {
  readonly #store: LocalStore;
  readonly #own: OwnIdentity;

  constructor(store: LocalStore, own: OwnIdentity) {
    this.#store = store;
    this.#own = own;
  }

  async get(userId: string): Promise<Uint8Array | null> {
    if (userId === this.#own.userId) return this.#own.identityPublicKey.slice();
    return this.#store.get('pins', userId);
  }

  async pin(userId: string, identityPublicKey: Uint8Array): Promise<void> {
    if (userId === this.#own.userId) return;
    await this.#store.put('pins', userId, identityPublicKey);
  }

  /**
   * Whether the user marked this colleague's pinned key verified (after comparing safety
   * codes). The verified key is kept beside the pin, so a different key is never verified.
   */
  async isVerified(userId: string): Promise<boolean> {
    if (userId === this.#own.userId) return false;
    const [pinned, verified] = await Promise.all([
      this.#store.get('pins', userId),
      this.#store.get('pins', verifiedKeyOf(userId)),
    ]);
    return pinned !== null && verified !== null && constantTimeEqual(pinned, verified);
  }

  /** Marks the key pinned now as verified; false when none is pinned (nothing to verify). */
  async markVerified(userId: string): Promise<boolean> {
    if (userId === this.#own.userId) return false;
    const pinned = await this.#store.get('pins', userId);
    if (pinned === null) return false;
    await this.#store.put('pins', verifiedKeyOf(userId), pinned);
    return true;
  }
}

/** The record beside a pin that holds the key the user verified; user ids hold no colon. */
const verifiedKeyOf = (userId: string): string => `verified:${userId}`;
