import type { NativeCrypto } from './native-crypto.js';

/*
 * Signatures that verified, remembered by SHA-256 of (public key, signature, message), so that
 * verifying the same signature again costs a hash instead of an Ed25519 verification (about
 * 100 µs). A commit adding M devices verifies each key package and leaf node twice (our checks
 * before ts-mls's, see key-package-checks.ts, then ts-mls's own). Only successes are kept, and at
 * most `maxEntries` (the oldest go first), so the memo's size is bounded whatever peers send.
 */
export class VerificationMemo {
  private readonly verified = new Set<string>();

  constructor(
    private readonly native: NativeCrypto,
    private readonly maxEntries: number,
  ) {}

  /** The memo key of a verification; null for inputs of unusual lengths, which are not kept. */
  keyOf(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): string | null {
    if (publicKey.length !== 32 || signature.length !== 64) return null;
    return this.native
      .createHash('sha256')
      .update(publicKey)
      .update(signature)
      .update(message)
      .digest('base64');
  }

  has(key: string | null): boolean {
    return key !== null && this.verified.has(key);
  }

  remember(key: string | null): void {
    if (key === null || this.verified.has(key)) return;
    this.verified.add(key);
    if (this.verified.size > this.maxEntries) {
      // A Set iterates in insertion order: the first entry is the oldest.
      for (const oldest of this.verified) {
        this.verified.delete(oldest);
        break;
      }
    }
  }
}
