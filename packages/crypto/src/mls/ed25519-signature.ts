import { ed25519 } from '@noble/curves/ed25519.js';
import type { Signature } from 'ts-mls';
import { constantTimeEqual } from '../constant-time.js';
import { concatBytes } from './bytes.js';
import {
  okpPrivateKey,
  okpPublicKey,
  type NativeCrypto,
  type NativeKeyObject,
} from './native-crypto.js';
import { VerificationMemo } from './verification-memo.js';

/*
 * The Ed25519 signer ts-mls uses for MLS messages. ts-mls's own WebCrypto signer imports the key
 * on every call, which costs about as much as the rest of a message; this one keeps the imported
 * key per key-bytes object (a WeakMap, so entries go with the group state that holds the bytes)
 * and checks the bytes are unchanged on each hit. In Node it signs and verifies synchronously
 * with node:crypto (the same OpenSSL code as Node's WebCrypto, without the thread-pool round
 * trip); in browsers with WebCrypto, and where WebCrypto lacks Ed25519 with @noble/curves.
 * Keys are 32-byte seeds; PKCS#8 is accepted too.
 */

/** DER prefix of a PKCS#8 Ed25519 private key: version 0, OID 1.3.101.112, 32-byte octet string. */
const PKCS8_ED25519_PREFIX = Uint8Array.of(
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
);
const SEED_BYTES = 32;

/* Named through globalThis so this compiles with the DOM lib and with Node's types alike. */
type Subtle = typeof globalThis.crypto.subtle;
type CryptoKey = Awaited<ReturnType<Subtle['importKey']>>;

interface CachedKey<K> {
  readonly bytes: Uint8Array;
  readonly key: K;
}

function toPkcs8(signKey: Uint8Array): Uint8Array<ArrayBuffer> {
  return signKey.length === SEED_BYTES
    ? concatBytes(PKCS8_ED25519_PREFIX, signKey)
    : signKey.slice();
}

function toSeed(signKey: Uint8Array): Uint8Array {
  return signKey.length === SEED_BYTES ? signKey : signKey.subarray(PKCS8_ED25519_PREFIX.length);
}

function keygen(): Promise<{ publicKey: Uint8Array; signKey: Uint8Array }> {
  const signKey = ed25519.utils.randomSecretKey();
  return Promise.resolve({ signKey, publicKey: ed25519.getPublicKey(signKey) });
}

function cachedImport<K>(
  cache: WeakMap<Uint8Array, CachedKey<K>>,
  bytes: Uint8Array,
  load: () => K,
): K {
  const hit = cache.get(bytes);
  if (hit !== undefined && constantTimeEqual(hit.bytes, bytes)) return hit.key;
  const key = load();
  cache.set(bytes, { bytes: bytes.slice(), key });
  return key;
}

/** Twice the most devices one commit may add: each brings a key package and a leaf signature. */
const MEMO_ENTRIES = 8192;

function nativeSignature(native: NativeCrypto): Signature {
  const signKeys = new WeakMap<Uint8Array, CachedKey<NativeKeyObject>>();
  const verifyKeys = new WeakMap<Uint8Array, CachedKey<NativeKeyObject>>();
  const memo = new VerificationMemo(native, MEMO_ENTRIES);
  return {
    sign(signKey, message) {
      try {
        const key = cachedImport(signKeys, signKey, () =>
          okpPrivateKey(native, 'Ed25519', toSeed(signKey)),
        );
        return Promise.resolve(new Uint8Array(native.sign(null, message, key)));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error('Ed25519 signing failed'));
      }
    },
    verify(publicKey, message, signature) {
      try {
        const memoKey = memo.keyOf(publicKey, message, signature);
        if (memo.has(memoKey)) return Promise.resolve(true);
        const key = cachedImport(verifyKeys, publicKey, () =>
          okpPublicKey(native, 'Ed25519', publicKey),
        );
        const isValid = native.verify(null, message, key, signature);
        if (isValid) memo.remember(memoKey);
        return Promise.resolve(isValid);
      } catch {
        // A malformed key from the network is a failed verification, not a crash.
        verifyKeys.delete(publicKey);
        return Promise.resolve(false);
      }
    },
    keygen,
  };
}

function webCryptoSignature(subtle: Subtle): Signature {
  const signKeys = new WeakMap<Uint8Array, CachedKey<Promise<CryptoKey>>>();
  const verifyKeys = new WeakMap<Uint8Array, CachedKey<Promise<CryptoKey>>>();
  return {
    async sign(signKey, message) {
      const key = await cachedImport(signKeys, signKey, () =>
        subtle.importKey('pkcs8', toPkcs8(signKey), 'Ed25519', false, ['sign']),
      );
      return new Uint8Array(await subtle.sign('Ed25519', key, message.slice()));
    },
    async verify(publicKey, message, signature) {
      try {
        const key = await cachedImport(verifyKeys, publicKey, () =>
          subtle.importKey('raw', publicKey.slice(), 'Ed25519', false, ['verify']),
        );
        return await subtle.verify('Ed25519', key, signature.slice(), message.slice());
      } catch {
        // A malformed key from the network is a failed verification, not a crash.
        verifyKeys.delete(publicKey);
        return false;
      }
    },
    keygen,
  };
}

function nobleSignature(): Signature {
  return {
    sign(signKey, message) {
      return Promise.resolve(ed25519.sign(message, toSeed(signKey)));
    },
    verify(publicKey, message, signature) {
      try {
        return Promise.resolve(ed25519.verify(signature, message, publicKey));
      } catch {
        return Promise.resolve(false);
      }
    },
    keygen,
  };
}

async function hasWebCryptoEd25519(subtle: Subtle | undefined): Promise<boolean> {
  if (subtle === undefined) return false;
  try {
    const { publicKey } = await keygen();
    await subtle.importKey('raw', publicKey.slice(), 'Ed25519', false, ['verify']);
    return true;
  } catch {
    return false;
  }
}

export async function createEd25519Signature(native: NativeCrypto | null): Promise<Signature> {
  if (native !== null) return nativeSignature(native);
  const subtle = globalThis.crypto?.subtle;
  return subtle !== undefined && (await hasWebCryptoEd25519(subtle))
    ? webCryptoSignature(subtle)
    : nobleSignature();
}
