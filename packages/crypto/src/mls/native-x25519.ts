import {
  okpPrivateKey,
  okpPublicKey,
  okpRawPublicKey,
  type NativeCrypto,
} from './native-crypto.js';

/*
 * X25519 (RFC 7748) in node:crypto, for the KEMs of hpke-kem.ts. @hpke's X-Wing computes it in
 * JavaScript, which was a third of the time of a commit adding 1000 X-Wing devices.
 */

export const X25519_BYTES = 32;

export interface X25519KeyPair {
  readonly publicKey: Uint8Array;
  /** Throws on an all-zero result (a small-order public key), as RFC 9180 requires. */
  agree(publicKey: Uint8Array): Uint8Array;
}

export interface X25519 {
  /** The key pair of a private key, imported once for both uses. */
  keyPair(privateKey: Uint8Array): X25519KeyPair;
}

export function nativeX25519(native: NativeCrypto): X25519 {
  const checked = (key: Uint8Array): Uint8Array => {
    if (key.length !== X25519_BYTES) throw new RangeError('X25519 key must be 32 bytes');
    return key;
  };
  return {
    keyPair(privateKey) {
      const key = okpPrivateKey(native, 'X25519', checked(privateKey));
      return {
        publicKey: okpRawPublicKey(native, key),
        agree(publicKey) {
          const secret = native.diffieHellman({
            privateKey: key,
            publicKey: okpPublicKey(native, 'X25519', checked(publicKey)),
          });
          if (secret.every((byte) => byte === 0)) throw new Error('X25519 result is zero');
          return new Uint8Array(secret);
        },
      };
    },
  };
}
