import { createMlKem768 } from 'mlkem';
import { concatBytes } from './bytes.js';
import { labelled, u16 } from './hpke-labels.js';
import type { NativeCrypto } from './native-crypto.js';
import type { HashFunctions } from './native-primitives.js';
import { X25519_BYTES, type X25519 } from './native-x25519.js';

/*
 * The two KEMs of Amtsbote's ciphersuites, for native-hpke.ts: DHKEM(X25519, HKDF-SHA256)
 * (RFC 9180 section 4.1) and X-Wing (X25519 + ML-KEM-768, draft-connolly-cfrg-xwing-kem as
 * @hpke/hybridkem-x-wing 0.7.0 implements it), over native-x25519.ts. ML-KEM is the `mlkem`
 * package that @hpke/hybridkem-x-wing itself uses. Keys serialise exactly as @hpke's
 * (X25519: the 32-byte scalar as given; X-Wing: the 32-byte seed), so stored keys stay valid.
 */

export interface KemKeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export interface Kem {
  readonly id: number;
  readonly publicKeyBytes: number;
  readonly privateKeyBytes: number;
  readonly encBytes: number;
  /** RFC 9180 DeriveKeyPair. */
  deriveKeyPair(ikm: Uint8Array): KemKeyPair;
  generateKeyPair(): KemKeyPair;
  encap(publicKey: Uint8Array): { readonly sharedSecret: Uint8Array; readonly enc: Uint8Array };
  decap(enc: Uint8Array, privateKey: Uint8Array): Uint8Array;
}

const DHKEM_X25519_ID = 0x0020;

/** DHKEM(X25519, HKDF-SHA256); `sha256` must be the SHA-256 functions. */
export function dhkemX25519(
  x25519: X25519,
  sha256: HashFunctions,
  randomBytes: (length: number) => Uint8Array,
): Kem {
  const kdf = labelled(sha256, concatBytes(new TextEncoder().encode('KEM'), u16(DHKEM_X25519_ID)));
  const empty = new Uint8Array(0);
  const keyPair = (privateKey: Uint8Array): KemKeyPair => ({
    privateKey,
    publicKey: x25519.keyPair(privateKey).publicKey,
  });
  const sharedSecret = (dh: Uint8Array, enc: Uint8Array, publicKey: Uint8Array): Uint8Array =>
    kdf.expand(kdf.extract(empty, 'eae_prk', dh), 'shared_secret', concatBytes(enc, publicKey), 32);
  return {
    id: DHKEM_X25519_ID,
    publicKeyBytes: X25519_BYTES,
    privateKeyBytes: X25519_BYTES,
    encBytes: X25519_BYTES,
    deriveKeyPair: (ikm) =>
      keyPair(kdf.expand(kdf.extract(empty, 'dkp_prk', ikm), 'sk', empty, 32)),
    generateKeyPair: () => keyPair(randomBytes(X25519_BYTES)),
    encap(publicKey) {
      const ephemeral = x25519.keyPair(randomBytes(X25519_BYTES));
      const dh = ephemeral.agree(publicKey);
      return {
        sharedSecret: sharedSecret(dh, ephemeral.publicKey, publicKey),
        enc: ephemeral.publicKey,
      };
    },
    decap(enc, privateKey) {
      const recipient = x25519.keyPair(privateKey);
      return sharedSecret(recipient.agree(enc), enc, recipient.publicKey);
    },
  };
}

const XWING_ID = 0x647a;
const XWING_SEED_BYTES = 32;
const MLKEM768_PUBLIC_KEY_BYTES = 1184;
const MLKEM768_CIPHERTEXT_BYTES = 1088;
/** XWingLabel: the six ASCII bytes \./ /^\ */
const XWING_LABEL = Uint8Array.of(0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c);

export async function xWing(
  native: NativeCrypto,
  x25519: X25519,
  randomBytes: (length: number) => Uint8Array,
): Promise<Kem> {
  const mlKem = await createMlKem768();
  const shake256 = (data: Uint8Array, length: number): Uint8Array =>
    new Uint8Array(native.createHash('shake256', { outputLength: length }).update(data).digest());
  const expand = (seed: Uint8Array) => {
    if (seed.length !== XWING_SEED_BYTES) throw new RangeError('X-Wing key must be 32 bytes');
    const expanded = shake256(seed, 96);
    const [publicKeyM, privateKeyM] = mlKem.deriveKeyPair(expanded.subarray(0, 64));
    return { publicKeyM, privateKeyM, keyPairX: x25519.keyPair(expanded.slice(64, 96)) };
  };
  const combine = (ssM: Uint8Array, ssX: Uint8Array, ctX: Uint8Array, pkX: Uint8Array) =>
    new Uint8Array(
      native
        .createHash('sha3-256')
        .update(concatBytes(ssM, ssX, ctX, pkX, XWING_LABEL))
        .digest(),
    );
  const publicKeyOf = (seed: Uint8Array): Uint8Array => {
    const { publicKeyM, keyPairX } = expand(seed);
    return concatBytes(publicKeyM, keyPairX.publicKey);
  };
  const keyPair = (seed: Uint8Array): KemKeyPair => ({
    privateKey: seed,
    publicKey: publicKeyOf(seed),
  });
  return {
    id: XWING_ID,
    publicKeyBytes: MLKEM768_PUBLIC_KEY_BYTES + X25519_BYTES,
    privateKeyBytes: XWING_SEED_BYTES,
    encBytes: MLKEM768_CIPHERTEXT_BYTES + X25519_BYTES,
    deriveKeyPair: (ikm) => keyPair(shake256(ikm, XWING_SEED_BYTES)),
    generateKeyPair: () => keyPair(randomBytes(XWING_SEED_BYTES)),
    encap(publicKey) {
      if (publicKey.length !== MLKEM768_PUBLIC_KEY_BYTES + X25519_BYTES) {
        throw new RangeError('X-Wing public key must be 1216 bytes');
      }
      const publicKeyX = publicKey.subarray(MLKEM768_PUBLIC_KEY_BYTES);
      const ephemeral = x25519.keyPair(randomBytes(X25519_BYTES));
      const ctX = ephemeral.publicKey;
      const ssX = ephemeral.agree(publicKeyX);
      const [ctM, ssM] = mlKem.encap(publicKey.subarray(0, MLKEM768_PUBLIC_KEY_BYTES));
      return { sharedSecret: combine(ssM, ssX, ctX, publicKeyX), enc: concatBytes(ctM, ctX) };
    },
    decap(enc, privateKey) {
      if (enc.length !== MLKEM768_CIPHERTEXT_BYTES + X25519_BYTES) {
        throw new RangeError('X-Wing ciphertext must be 1120 bytes');
      }
      const { privateKeyM, keyPairX } = expand(privateKey);
      const ctX = enc.subarray(MLKEM768_CIPHERTEXT_BYTES);
      const ssM = mlKem.decap(enc.subarray(0, MLKEM768_CIPHERTEXT_BYTES), privateKeyM);
      return combine(ssM, keyPairX.agree(ctX), ctX, keyPairX.publicKey);
    },
  };
}
