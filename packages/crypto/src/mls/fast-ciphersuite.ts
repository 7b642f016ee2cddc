import { getCiphersuiteFromName, type CiphersuiteImpl } from 'ts-mls';
import { constantTimeEqual } from '../constant-time.js';
import { dhkemX25519, xWing, type Kem } from './hpke-kem.js';
import { nativeX25519 } from './native-x25519.js';
import type { NativeCrypto } from './native-crypto.js';
import { nativeHpke } from './native-hpke.js';
import { nativeAesGcm, nativeHashFunctions, type HashFunctions } from './native-primitives.js';

/*
 * ts-mls's CiphersuiteImpl with every primitive synchronous in node:crypto: hash, HMAC, HKDF,
 * AES-GCM and HPKE (X25519 natively, ML-KEM from `mlkem`). ts-mls's own implementation calls
 * WebCrypto for each step, importing the key every time, so an application message waited on
 * WebCrypto's thread pool about ten times, and a Welcome to 1000 X-Wing devices did 2000 X25519
 * scalar multiplications in JavaScript. The results are byte for byte those of the stock
 * implementation (the same algorithms; fast-ciphersuite.test.ts checks interoperation with
 * plain ts-mls both ways). The signature stays as given (ed25519-signature.ts).
 */

function hashFunctionsOf(native: NativeCrypto, hash: string): HashFunctions {
  if (hash === 'SHA-256' || hash === 'HKDF-SHA256') return nativeHashFunctions(native, 'sha256');
  if (hash === 'SHA-512' || hash === 'HKDF-SHA512') return nativeHashFunctions(native, 'sha512');
  throw new Error(`no native implementation of ${hash}`);
}

/** RFC 9180 identifiers of the KDFs and AEADs of Amtsbote's two ciphersuites. */
const KDF_IDS: Readonly<Record<string, number>> = { 'HKDF-SHA256': 0x0001, 'HKDF-SHA512': 0x0003 };
const AEADS: Readonly<Record<string, { readonly id: number; readonly keyBytes: number }>> = {
  AES128GCM: { id: 0x0001, keyBytes: 16 },
  AES256GCM: { id: 0x0002, keyBytes: 32 },
};

async function kemOf(
  native: NativeCrypto,
  name: string,
  rng: CiphersuiteImpl['rng'],
): Promise<Kem> {
  const randomBytes = (length: number): Uint8Array => rng.randomBytes(length);
  const x25519 = nativeX25519(native);
  if (name === 'DHKEM-X25519-HKDF-SHA256') {
    return dhkemX25519(x25519, nativeHashFunctions(native, 'sha256'), randomBytes);
  }
  if (name === 'X-Wing') return xWing(native, x25519, randomBytes);
  throw new Error(`no native implementation of ${name}`);
}

/** Runs a synchronous operation behind ts-mls's promise-returning interface. */
function settled<T>(operation: () => T): Promise<T> {
  try {
    return Promise.resolve(operation());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

export async function fastCiphersuite(
  stock: CiphersuiteImpl,
  native: NativeCrypto,
): Promise<CiphersuiteImpl> {
  const algorithms = getCiphersuiteFromName(stock.name);
  const hash = hashFunctionsOf(native, algorithms.hash);
  const kdf = hashFunctionsOf(native, algorithms.hpke.kdf);
  const kdfId = KDF_IDS[algorithms.hpke.kdf];
  const aead = AEADS[algorithms.hpke.aead];
  if (kdfId === undefined || aead === undefined) {
    throw new Error(`no native implementation of ${stock.name}`);
  }
  return {
    ...stock,
    hash: {
      digest: (data) => settled(() => hash.digest(data)),
      mac: (key, data) => settled(() => hash.hmac(key, data)),
      verifyMac: (key, mac, data) => settled(() => constantTimeEqual(hash.hmac(key, data), mac)),
    },
    kdf: {
      extract: (salt, ikm) => settled(() => kdf.hkdfExtract(salt, ikm)),
      expand: (prk, info, length) => settled(() => kdf.hkdfExpand(prk, info, length)),
      size: kdf.hashBytes,
    },
    hpke: nativeHpke({
      kem: await kemOf(native, algorithms.hpke.kem, stock.rng),
      kdf,
      kdfId,
      aead: nativeAesGcm(native),
      aeadId: aead.id,
      keyBytes: aead.keyBytes,
    }),
  };
}
