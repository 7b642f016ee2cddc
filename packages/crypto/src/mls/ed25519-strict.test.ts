import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { concatBytes } from './bytes.js';
import { isStrictPointEncoding, strictEd25519Verifier } from './ed25519-strict.js';
import { findNativeCrypto } from './native-crypto.js';
import { findSodium } from './native-sodium.js';

const fromHex = (hex: string): Uint8Array =>
  Uint8Array.from(hex.match(/../g) ?? [], (byte) => parseInt(byte, 16));
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const toLittleEndian = (value: bigint): Uint8Array =>
  Uint8Array.from({ length: 32 }, (_, i) => Number((value >> BigInt(8 * i)) & 0xffn));
const fromLittleEndian = (bytes: Uint8Array): bigint =>
  bytes.reduceRight((value, byte) => (value << 8n) | BigInt(byte), 0n);

const native = findNativeCrypto();
const sodium = findSodium();
const verifiers = [
  ['libsodium', strictEd25519Verifier(native, sodium)],
  ['node:crypto', strictEd25519Verifier(native, null)],
  ['@noble/curves', strictEd25519Verifier(null, null)],
] as const;
const message = new TextEncoder().encode('amtsbote');

function keyPair(): { seed: Uint8Array; publicKey: Uint8Array } {
  const seed = ed25519.utils.randomSecretKey();
  return { seed, publicKey: ed25519.getPublicKey(seed) };
}

/** A signature by `seed` over `message`, made for the public key `claimed` (any point). */
function signFor(seed: Uint8Array, claimed: Uint8Array, text: Uint8Array): Uint8Array {
  const { scalar } = ed25519.utils.getExtendedPublicKey(seed);
  const r = fromLittleEndian(sha512(concatBytes(seed, text))) % L;
  const encodedR = ed25519.Point.BASE.multiply(r).toBytes();
  const k = kOf(encodedR, claimed, text);
  return concatBytes(encodedR, toLittleEndian((r + k * scalar) % L));
}

const kOf = (signature: Uint8Array, publicKey: Uint8Array, text: Uint8Array): bigint =>
  fromLittleEndian(sha512(concatBytes(signature.subarray(0, 32), publicKey, text))) % L;

describe('strict Ed25519 encodings', () => {
  it('flags every point of small order, in every encoding noble lists', () => {
    expect(ED25519_TORSION_SUBGROUP).toHaveLength(8);
    for (const hex of ED25519_TORSION_SUBGROUP) {
      expect(isStrictPointEncoding(fromHex(hex))).toBe(false);
    }
  });

  it('accepts real public keys and refuses y >= p and wrong lengths', () => {
    for (let i = 0; i < 20; i++) expect(isStrictPointEncoding(keyPair().publicKey)).toBe(true);
    const p = 2n ** 255n - 19n;
    // y = p + 2 is the non-canonical encoding of y = 2 (a valid y of a point of large order).
    expect(isStrictPointEncoding(toLittleEndian(p + 2n))).toBe(false);
    expect(isStrictPointEncoding(new Uint8Array(31))).toBe(false);
  });
});

describe.each(verifiers)('strict Ed25519 verification (%s)', (_name, verify) => {
  it('accepts a signature and refuses it for another message, key or a changed bit', () => {
    const { seed, publicKey } = keyPair();
    const signature = ed25519.sign(message, seed);
    expect(verify(publicKey, message, signature)).toBe(true);
    expect(verify(publicKey, new Uint8Array([1]), signature)).toBe(false);
    expect(verify(keyPair().publicKey, message, signature)).toBe(false);
    for (const index of [0, 40]) {
      const changed = signature.slice();
      changed[index] = (changed[index] ?? 0) ^ 1;
      expect(verify(publicKey, message, changed)).toBe(false);
    }
  });

  it('refuses S + L, which lax verifiers accept as the same signature', () => {
    const { seed, publicKey } = keyPair();
    const signature = ed25519.sign(message, seed);
    const s = fromLittleEndian(signature.subarray(32));
    const malleated = concatBytes(signature.subarray(0, 32), toLittleEndian(s + L));
    expect(verify(publicKey, message, malleated)).toBe(false);
  });

  it('refuses a small-order public key and a small-order R', () => {
    const identity = fromHex(ED25519_TORSION_SUBGROUP[0]!);
    // With A the identity, R = identity and S = 0 satisfy [S]B = R + [k]A for every message.
    expect(verify(identity, message, concatBytes(identity, new Uint8Array(32)))).toBe(false);
    const { seed, publicKey } = keyPair();
    const signature = ed25519.sign(message, seed);
    expect(verify(publicKey, message, concatBytes(identity, signature.subarray(32)))).toBe(false);
  });

  it('checks the cofactorless equation: a key with a torsion component fails', () => {
    // A' = A + T (T of order 8) passes the cofactored check of a signature made for A'
    // whenever k is not a multiple of 8; the cofactorless one (WebCrypto's) refuses it.
    const { seed, publicKey } = keyPair();
    const torsion = ed25519.Point.fromBytes(fromHex(ED25519_TORSION_SUBGROUP[1]!), true);
    const mixed = ed25519.Point.fromBytes(publicKey, false).add(torsion).toBytes();
    // [k]T vanishes when 8 divides k; take a message for which it does not.
    let text = message;
    let signature = signFor(seed, mixed, text);
    for (let i = 0; kOf(signature, mixed, text) % 8n === 0n; i++) {
      text = concatBytes(message, Uint8Array.of(i));
      signature = signFor(seed, mixed, text);
    }
    expect(ed25519.verify(signature, text, mixed, { zip215: false })).toBe(true);
    expect(verify(mixed, text, signature)).toBe(false);
    // The same construction for the key itself is an ordinary valid signature.
    expect(verify(publicKey, message, signFor(seed, publicKey, message))).toBe(true);
  });
});

describe('the three strict verifiers', () => {
  it('run where expected: libsodium and OpenSSL natively in Node', () => {
    expect(native).not.toBeNull();
    expect(sodium).not.toBeNull();
  });

  it('refuse wrong lengths without throwing', () => {
    const { seed, publicKey } = keyPair();
    const signature = ed25519.sign(message, seed);
    for (const [, verify] of verifiers) {
      expect(verify(publicKey.subarray(1), message, signature)).toBe(false);
      expect(verify(publicKey, message, signature.subarray(1))).toBe(false);
      expect(verify(publicKey, message, concatBytes(signature, Uint8Array.of(0)))).toBe(false);
    }
  });

  it('agree on valid, altered and foreign signatures', () => {
    const [[, sodiumVerify], [, nativeVerify], [, nobleVerify]] = verifiers;
    for (let i = 0; i < 10; i++) {
      const { seed, publicKey } = keyPair();
      const text = crypto.getRandomValues(new Uint8Array(i * 7));
      const signature = ed25519.sign(text, seed);
      const altered = signature.slice();
      altered[i] = (altered[i] ?? 0) ^ 0x80;
      for (const [key, sig] of [
        [publicKey, signature],
        [publicKey, altered],
        [keyPair().publicKey, signature],
      ] as const) {
        expect(nativeVerify(key, text, sig)).toBe(nobleVerify(key, text, sig));
        expect(sodiumVerify(key, text, sig)).toBe(nobleVerify(key, text, sig));
      }
    }
  });
});
