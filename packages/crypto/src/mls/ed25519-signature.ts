import { ed25519 } from '@noble/curves/ed25519.js';
import type { Signature } from 'ts-mls';
import { concatBytes } from './bytes.js';
import { hasStrictEncodings, strictEd25519Verifier } from './ed25519-strict.js';
import { BytesKeyedCache } from './bytes-keyed-cache.js';
import { okpPrivateKey, type NativeCrypto, type NativeKeyObject } from './native-crypto.js';
import type { SodiumSign } from './native-sodium.js';
import { VerificationMemo } from './verification-memo.js';

/*
 * The Ed25519 signer ts-mls uses for MLS messages. ts-mls's own WebCrypto signer imports the key
 * on every call, which costs about as much as the rest of a message; this one keeps the imported
 * key per key-bytes object (a WeakMap, so entries go with the group state that holds the bytes)
 * and checks the bytes are unchanged on each hit. In Node it signs synchronously with node:crypto
 * (the same OpenSSL code as Node's WebCrypto, without the thread-pool round trip) and verifies
 * with libsodium where its addon loads, else with OpenSSL; in browsers it uses WebCrypto, and
 * @noble/curves where WebCrypto lacks Ed25519. Every backend verifies by the one strict rule of
 * ed25519-strict.ts, so all devices of a group accept the same messages (ADR 0012).
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

/** Twice the most devices one commit may add: each brings a key package and a leaf signature. */
const MEMO_ENTRIES = 8192;

/**
 * How ts-mls's SignWithLabel content of an MLS message begins: the length (24) and the bytes of
 * "MLS 1.0 FramedContentTBS". Each message's signature is verified once, so the memo, made for
 * key packages and leaf nodes, would only cost a hash of every message.
 */
const FRAMED_CONTENT_LABEL = Uint8Array.of(
  24,
  ...new TextEncoder().encode('MLS 1.0 FramedContentTBS'),
);

function isFramedContent(message: Uint8Array): boolean {
  if (message.length < FRAMED_CONTENT_LABEL.length) return false;
  for (let i = 0; i < FRAMED_CONTENT_LABEL.length; i++) {
    if (message[i] !== FRAMED_CONTENT_LABEL[i]) return false;
  }
  return true;
}

function nativeSignature(native: NativeCrypto, sodium: SodiumSign | null): Signature {
  const signKeys = new BytesKeyedCache<NativeKeyObject>();
  const verifyStrict = strictEd25519Verifier(native, sodium);
  const memo = new VerificationMemo(native, MEMO_ENTRIES);
  return {
    sign(signKey, message) {
      try {
        const key = signKeys.get(signKey, () => okpPrivateKey(native, 'Ed25519', toSeed(signKey)));
        return Promise.resolve(new Uint8Array(native.sign(null, message, key)));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error('Ed25519 signing failed'));
      }
    },
    verify(publicKey, message, signature) {
      if (isFramedContent(message)) {
        return Promise.resolve(verifyStrict(publicKey, message, signature));
      }
      const memoKey = memo.keyOf(publicKey, message, signature);
      if (memo.has(memoKey)) return Promise.resolve(true);
      const isValid = verifyStrict(publicKey, message, signature);
      if (isValid) memo.remember(memoKey);
      return Promise.resolve(isValid);
    },
    keygen,
  };
}

/**
 * WebCrypto's Ed25519 specifies the strict checks, but browsers have differed; checking the
 * encodings first makes every device of a group decide alike.
 */
function webCryptoSignature(subtle: Subtle): Signature {
  const signKeys = new BytesKeyedCache<Promise<CryptoKey>>();
  const verifyKeys = new BytesKeyedCache<Promise<CryptoKey>>();
  return {
    async sign(signKey, message) {
      const key = await signKeys.get(signKey, () =>
        subtle.importKey('pkcs8', toPkcs8(signKey), 'Ed25519', false, ['sign']),
      );
      return new Uint8Array(await subtle.sign('Ed25519', key, message.slice()));
    },
    async verify(publicKey, message, signature) {
      if (!hasStrictEncodings(publicKey, signature)) return false;
      try {
        const key = await verifyKeys.get(publicKey, () =>
          subtle.importKey('raw', publicKey.slice(), 'Ed25519', false, ['verify']),
        );
        return await subtle.verify('Ed25519', key, signature.slice(), message.slice());
      } catch {
        // A malformed key from the network is a failed verification, not a crash.
        verifyKeys.forget(publicKey);
        return false;
      }
    },
    keygen,
  };
}

function nobleSignature(): Signature {
  const verifyStrict = strictEd25519Verifier(null);
  return {
    sign(signKey, message) {
      return Promise.resolve(ed25519.sign(message, toSeed(signKey)));
    },
    verify(publicKey, message, signature) {
      return Promise.resolve(verifyStrict(publicKey, message, signature));
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

export async function createEd25519Signature(
  native: NativeCrypto | null,
  sodium: SodiumSign | null = null,
): Promise<Signature> {
  if (native !== null) return nativeSignature(native, sodium);
  const subtle = globalThis.crypto?.subtle;
  return subtle !== undefined && (await hasWebCryptoEd25519(subtle))
    ? webCryptoSignature(subtle)
    : nobleSignature();
}
