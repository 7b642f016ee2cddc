import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { concatBytes } from './bytes.js';
import { createEd25519Signature } from './ed25519-signature.js';
import { findNativeCrypto } from './native-crypto.js';
import { findSodium } from './native-sodium.js';

/*
 * The MLS signer on each backend (libsodium, OpenSSL, WebCrypto): all accept what the signer
 * made and refuse by the same strict rule, for message contents (never memoized) and for other
 * labels (memoized after a success) alike.
 */

const native = findNativeCrypto();
const backends = [
  ['libsodium', () => createEd25519Signature(native, findSodium())],
  ['node:crypto', () => createEd25519Signature(native, null)],
  ['WebCrypto', () => createEd25519Signature(null)],
] as const;

/** SignWithLabel's content: the label "MLS 1.0 <label>" and the content, each length-prefixed. */
function signContent(label: string, content: Uint8Array): Uint8Array {
  const fullLabel = new TextEncoder().encode(`MLS 1.0 ${label}`);
  return concatBytes(
    Uint8Array.of(fullLabel.length),
    fullLabel,
    Uint8Array.of(content.length),
    content,
  );
}

const identity = Uint8Array.from(
  ED25519_TORSION_SUBGROUP[0]!.match(/../g)!.map((byte) => parseInt(byte, 16)),
);

describe.each(backends)('the MLS Ed25519 signer (%s)', (_name, create) => {
  it.each(['FramedContentTBS', 'KeyPackageTBS'])(
    'accepts its own %s signatures, again and again, and refuses altered ones',
    async (label) => {
      const signer = await create();
      const { signKey, publicKey } = await signer.keygen();
      const message = signContent(label, crypto.getRandomValues(new Uint8Array(100)));
      const signature = await signer.sign(signKey, message);
      expect(ed25519.verify(signature, message, publicKey)).toBe(true);
      for (let i = 0; i < 3; i++) {
        expect(await signer.verify(publicKey, message, signature)).toBe(true);
      }
      const altered = message.slice();
      const last = altered.length - 1;
      altered[last] = (altered[last] ?? 0) ^ 1;
      expect(await signer.verify(publicKey, altered, signature)).toBe(false);
      const changed = signature.slice();
      changed[63] = (changed[63] ?? 0) ^ 0x10;
      expect(await signer.verify(publicKey, message, changed)).toBe(false);
    },
  );

  it('refuses the small-order key that "verifies" every message, as WebCrypto specifies', async () => {
    const signer = await create();
    // With A the identity, R = identity and S = 0 satisfy [S]B = R + [k]A for any message.
    const forged = concatBytes(identity, new Uint8Array(32));
    for (const label of ['FramedContentTBS', 'LeafNodeTBS']) {
      expect(await signer.verify(identity, signContent(label, Uint8Array.of(1)), forged)).toBe(
        false,
      );
    }
  });

  it('refuses malformed keys and signatures without throwing', async () => {
    const signer = await create();
    const { signKey, publicKey } = await signer.keygen();
    const message = signContent('FramedContentTBS', Uint8Array.of(7));
    const signature = await signer.sign(signKey, message);
    expect(await signer.verify(publicKey.subarray(0, 31), message, signature)).toBe(false);
    expect(await signer.verify(publicKey, message, signature.subarray(0, 63))).toBe(false);
    expect(await signer.verify(new Uint8Array(32).fill(0xff), message, signature)).toBe(false);
  });
});
