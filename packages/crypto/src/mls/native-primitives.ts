import type { NativeCrypto } from './native-crypto.js';

/*
 * Synchronous hash, HMAC, HKDF (RFC 5869) and AES-GCM over node:crypto, for the ciphersuite of
 * fast-ciphersuite.ts. Inputs and outputs are plain Uint8Arrays; AES-GCM output is
 * ciphertext || 16-byte tag, as RFC 5116 and ts-mls lay it out.
 */

export type HashName = 'sha256' | 'sha512';

const HASH_BYTES: Readonly<Record<HashName, number>> = { sha256: 32, sha512: 64 };
const GCM_TAG_BYTES = 16;
const GCM_NONCE_BYTES = 12;
const GCM_CIPHERS: Readonly<Record<number, 'aes-128-gcm' | 'aes-256-gcm'>> = {
  16: 'aes-128-gcm',
  32: 'aes-256-gcm',
};

export interface HashFunctions {
  readonly hashBytes: number;
  digest(data: Uint8Array): Uint8Array;
  hmac(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-Extract; an empty salt stands for HashLen zero bytes (HMAC pads keys with zeros). */
  hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array;
  hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;
}

/** A copy in its own ArrayBuffer: Node's Buffers may be views into a shared pool. */
function bytes(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer);
}

export function nativeHashFunctions(native: NativeCrypto, hash: HashName): HashFunctions {
  const hashBytes = HASH_BYTES[hash];
  const hmac = (key: Uint8Array, data: Uint8Array): Uint8Array =>
    bytes(native.createHmac(hash, key).update(data).digest());
  return {
    hashBytes,
    digest: (data) => bytes(native.createHash(hash).update(data).digest()),
    hmac,
    hkdfExtract: hmac,
    hkdfExpand(prk, info, length) {
      if (!Number.isInteger(length) || length < 0 || length > 255 * hashBytes) {
        throw new RangeError('HKDF-Expand output length out of range');
      }
      const out = new Uint8Array(length);
      let previous: Uint8Array = new Uint8Array(0);
      for (let offset = 0, counter = 1; offset < length; counter++) {
        const mac = native.createHmac(hash, prk);
        previous = bytes(mac.update(previous).update(info).update(Uint8Array.of(counter)).digest());
        out.set(previous.subarray(0, length - offset), offset);
        offset += previous.length;
      }
      return out;
    },
  };
}

export interface AesGcm {
  seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Throws when the tag does not verify. */
  open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array;
}

function gcmCipher(key: Uint8Array, nonce: Uint8Array): 'aes-128-gcm' | 'aes-256-gcm' {
  const cipher = GCM_CIPHERS[key.length];
  if (cipher === undefined) throw new RangeError('AES-GCM key must be 16 or 32 bytes');
  if (nonce.length !== GCM_NONCE_BYTES) throw new RangeError('AES-GCM nonce must be 12 bytes');
  return cipher;
}

export function nativeAesGcm(native: NativeCrypto): AesGcm {
  return {
    seal(key, nonce, aad, plaintext) {
      const cipher = native.createCipheriv(gcmCipher(key, nonce), key, nonce, {
        authTagLength: GCM_TAG_BYTES,
      });
      cipher.setAAD(aad);
      const body = cipher.update(plaintext);
      const last = cipher.final();
      const out = new Uint8Array(body.length + last.length + GCM_TAG_BYTES);
      out.set(body, 0);
      out.set(last, body.length);
      out.set(cipher.getAuthTag(), body.length + last.length);
      return out;
    },
    open(key, nonce, aad, ciphertext) {
      if (ciphertext.length < GCM_TAG_BYTES) throw new RangeError('AES-GCM ciphertext too short');
      const bodyLength = ciphertext.length - GCM_TAG_BYTES;
      const decipher = native.createDecipheriv(gcmCipher(key, nonce), key, nonce, {
        authTagLength: GCM_TAG_BYTES,
      });
      decipher.setAAD(aad);
      decipher.setAuthTag(ciphertext.subarray(bodyLength));
      const body = decipher.update(ciphertext.subarray(0, bodyLength));
      const last = decipher.final(); // throws when the tag does not verify
      const out = new Uint8Array(body.length + last.length);
      out.set(body, 0);
      out.set(last, body.length);
      return out;
    },
  };
}
