import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes } from './bytes.js';
import { BytesKeyedCache } from './bytes-keyed-cache.js';
import { okpPublicKey, type NativeCrypto, type NativeKeyObject } from './native-crypto.js';
import type { SodiumSign } from './native-sodium.js';

/*
 * Strict Ed25519 verification (RFC 8032 section 5.1.7 with the checks WebCrypto's Ed25519
 * specifies): the public key A and the signature's R must be canonical encodings of points that
 * are not of small order, S must be below the group order L, and [S]B = R + [k]A must hold
 * (the cofactorless equation, as OpenSSL, BoringSSL and WebCrypto check it). The encoding checks
 * are byte arithmetic; the equation runs natively where node:crypto exists (about ten times
 * faster than @noble/curves) and in @noble/curves elsewhere, so both give the same answer.
 * libsodium, where its addon loads, makes the same checks itself and is faster still.
 */

export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

const P = 2n ** 255n - 19n;
/** The group order L. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
/** y of the two order-8 points with canonical encoding (the other two have y = p - this). */
const ORDER_8_Y = 2707385501144840649318225287225658788936804267575313519463743609750303402022n;
/** y of every point of order 1, 2, 4 or 8 (x is fixed by y up to sign). */
const SMALL_ORDER_Y = new Set([0n, 1n, P - 1n, ORDER_8_Y, P - ORDER_8_Y]);

function littleEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] ?? 0);
  return value;
}

/** True for a canonical encoding (y < p) of a point whose y is not that of a small-order point. */
export function isStrictPointEncoding(encoded: Uint8Array): boolean {
  if (encoded.length !== ED25519_PUBLIC_KEY_BYTES) return false;
  const y = littleEndian(encoded) & ((1n << 255n) - 1n);
  return y < P && !SMALL_ORDER_Y.has(y);
}

/** The length, encoding and range checks; the equation is left to the caller. */
export function hasStrictEncodings(publicKey: Uint8Array, signature: Uint8Array): boolean {
  return (
    signature.length === ED25519_SIGNATURE_BYTES &&
    isStrictPointEncoding(publicKey) &&
    isStrictPointEncoding(signature.subarray(0, 32)) &&
    littleEndian(signature.subarray(32)) < L
  );
}

function nobleCofactorless(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const { Point } = ed25519;
  const encodedR = signature.subarray(0, 32);
  const s = littleEndian(signature.subarray(32));
  const k = littleEndian(sha512(concatBytes(encodedR, publicKey, message))) % L;
  const A = Point.fromBytes(publicKey, false);
  // R' = [S]B - [k]A; equal to R exactly when [S]B = R + [k]A.
  const computedR = Point.BASE.multiplyUnsafe(s).subtract(A.multiplyUnsafe(k));
  return computedR.equals(Point.fromBytes(encodedR, false));
}

export type Ed25519Verify = (
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
) => boolean;

/** libsodium applies every check of this file itself (native-sodium.ts). */
function sodiumVerifier(sodium: SodiumSign): Ed25519Verify {
  return (publicKey, message, signature) =>
    publicKey.length === ED25519_PUBLIC_KEY_BYTES &&
    signature.length === ED25519_SIGNATURE_BYTES &&
    sodium.crypto_sign_verify_detached(signature, message, publicKey);
}

/** OpenSSL checks only the equation (and S < L); the encodings are checked here first. */
function openSslVerifier(native: NativeCrypto): Ed25519Verify {
  const keys = new BytesKeyedCache<NativeKeyObject>();
  return (publicKey, message, signature) => {
    if (!hasStrictEncodings(publicKey, signature)) return false;
    const key = keys.get(publicKey, () => okpPublicKey(native, 'Ed25519', publicKey));
    return native.verify(null, message, key, signature);
  };
}

function nobleVerifier(): Ed25519Verify {
  return (publicKey, message, signature) =>
    hasStrictEncodings(publicKey, signature) && nobleCofactorless(publicKey, message, signature);
}

/**
 * A strict verifier, the same rule on every backend: libsodium where its addon loads, else
 * OpenSSL through node:crypto, else @noble/curves (browsers). Never throws: malformed input is
 * a failed verification.
 */
export function strictEd25519Verifier(
  native: NativeCrypto | null,
  sodium: SodiumSign | null = null,
): Ed25519Verify {
  const verify =
    sodium !== null
      ? sodiumVerifier(sodium)
      : native !== null
        ? openSslVerifier(native)
        : nobleVerifier();
  return (publicKey, message, signature) => {
    try {
      return verify(publicKey, message, signature);
    } catch {
      return false;
    }
  };
}
