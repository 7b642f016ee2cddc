/**
 * The identity keys this client has pinned, one per user: learned on first contact (trust on
 * first use) or confirmed in person with the safety code. A persistent implementation lives in
 * the client's encrypted storage.
 */
export interface IdentityKeyPins {
  get(userId: string): Promise<Uint8Array | null>;
  pin(userId: string, identityPublicKey: Uint8Array): Promise<void>;
}

/** For tests and clients without persistent storage. */
export class InMemoryIdentityKeyPins implements IdentityKeyPins {
  private readonly pins = new Map<string, Uint8Array>();

  get(userId: string): Promise<Uint8Array | null> {
    const key = this.pins.get(userId);
    return Promise.resolve(key === undefined ? null : key.slice());
  }

  pin(userId: string, identityPublicKey: Uint8Array): Promise<void> {
    this.pins.set(userId, identityPublicKey.slice());
    return Promise.resolve();
  }
}
