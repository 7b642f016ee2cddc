import { base64urlEncode } from '../base64url.js';

/**
 * The private half of a published key package, kept until a Welcome for it arrives. Keyed by
 * the key package reference (RFC 9420 section 5.2), which is what a Welcome names.
 */
export interface StoredKeyPackage {
  /** The published bytes (an MLSMessage of wire format mls_key_package). */
  readonly keyPackage: Uint8Array;
  readonly initPrivateKey: Uint8Array;
  readonly hpkePrivateKey: Uint8Array;
  /** A last-resort package is kept after use: the server hands it out when no other is left. */
  readonly isLastResort: boolean;
}

export interface KeyPackageStore {
  get(reference: Uint8Array): Promise<StoredKeyPackage | null>;
  put(reference: Uint8Array, entry: StoredKeyPackage): Promise<void>;
  delete(reference: Uint8Array): Promise<void>;
}

/** For tests and clients without persistent storage. */
export class InMemoryKeyPackageStore implements KeyPackageStore {
  private readonly entries = new Map<string, StoredKeyPackage>();

  get size(): number {
    return this.entries.size;
  }

  get(reference: Uint8Array): Promise<StoredKeyPackage | null> {
    return Promise.resolve(this.entries.get(base64urlEncode(reference)) ?? null);
  }

  put(reference: Uint8Array, entry: StoredKeyPackage): Promise<void> {
    this.entries.set(base64urlEncode(reference), entry);
    return Promise.resolve();
  }

  delete(reference: Uint8Array): Promise<void> {
    this.entries.delete(base64urlEncode(reference));
    return Promise.resolve();
  }
}
