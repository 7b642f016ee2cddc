import type { CiphersuiteImpl, PrivateKey, PublicKey } from 'ts-mls';
import { CryptoError } from 'ts-mls/mlsError.js';
import { concatBytes } from './bytes.js';
import type { Kem } from './hpke-kem.js';
import { labelled, u16 } from './hpke-labels.js';
import type { AesGcm, HashFunctions } from './native-primitives.js';

/*
 * HPKE (RFC 9180), base mode, single-shot seal/open and secret export: what MLS uses. Every step
 * is synchronous (native-primitives.ts, hpke-kem.ts), where @hpke/core awaits WebCrypto for each
 * HKDF step. Keys are opaque objects to ts-mls; these hold the serialised key bytes.
 */

type Hpke = CiphersuiteImpl['hpke'];

export interface HpkeSuite {
  readonly kem: Kem;
  /** The HPKE KDF (HKDF over this hash) and its RFC 9180 id. */
  readonly kdf: HashFunctions;
  readonly kdfId: number;
  readonly aead: AesGcm;
  readonly aeadId: number;
  readonly keyBytes: number;
}

const NONCE_BYTES = 12;
const MODE_BASE = 0x00;

interface KeyHolder {
  readonly owner: symbol;
  readonly bytes: Uint8Array;
}

interface Context {
  readonly key: Uint8Array;
  readonly baseNonce: Uint8Array;
  readonly exporterSecret: Uint8Array;
}

function asError(error: unknown): CryptoError {
  return error instanceof CryptoError
    ? error
    : new CryptoError(error instanceof Error ? error.message : 'HPKE operation failed');
}

/** Runs a synchronous step behind ts-mls's promise interface, failing as ts-mls's HPKE does. */
function settled<T>(operation: () => T): Promise<T> {
  try {
    return Promise.resolve(operation());
  } catch (error) {
    return Promise.reject(asError(error));
  }
}

export function nativeHpke(suite: HpkeSuite): Hpke {
  const { kem, kdf, aead } = suite;
  const suiteId = concatBytes(
    new TextEncoder().encode('HPKE'),
    u16(kem.id),
    u16(suite.kdfId),
    u16(suite.aeadId),
  );
  const labels = labelled(kdf, suiteId);
  const empty = new Uint8Array(0);
  const pskIdHash = labels.extract(empty, 'psk_id_hash', empty);
  // Keys made by this object carry its symbol; a foreign key object is refused.
  const owner = Symbol('native HPKE key');

  const keySchedule = (sharedSecret: Uint8Array, info: Uint8Array): Context => {
    const context = concatBytes(
      Uint8Array.of(MODE_BASE),
      pskIdHash,
      labels.extract(empty, 'info_hash', info),
    );
    const secret = labels.extract(sharedSecret, 'secret', empty);
    return {
      key: labels.expand(secret, 'key', context, suite.keyBytes),
      baseNonce: labels.expand(secret, 'base_nonce', context, NONCE_BYTES),
      exporterSecret: labels.expand(secret, 'exp', context, kdf.hashBytes),
    };
  };
  const hold = (bytes: Uint8Array, length: number): KeyHolder => {
    if (bytes.length !== length) throw new CryptoError(`HPKE key must be ${length} bytes`);
    return { owner, bytes: bytes.slice() };
  };
  // ts-mls types HPKE keys as CryptoKeys but only hands them back to this object.
  const asPublicKey = (bytes: Uint8Array): PublicKey =>
    hold(bytes, kem.publicKeyBytes) as unknown as PublicKey;
  const asPrivateKey = (bytes: Uint8Array): PrivateKey =>
    hold(bytes, kem.privateKeyBytes) as unknown as PrivateKey;
  const unwrap = (key: PublicKey | PrivateKey): Uint8Array => {
    const holder = key as unknown as Partial<KeyHolder>;
    if (holder.owner !== owner || holder.bytes === undefined) {
      throw new CryptoError('key of another HPKE implementation');
    }
    return holder.bytes;
  };
  const keyPair = (pair: { privateKey: Uint8Array; publicKey: Uint8Array }) => ({
    privateKey: asPrivateKey(pair.privateKey),
    publicKey: asPublicKey(pair.publicKey),
  });
  const senderContext = (publicKey: PublicKey, info: Uint8Array) => {
    const { sharedSecret, enc } = kem.encap(unwrap(publicKey));
    return { enc, context: keySchedule(sharedSecret, info) };
  };
  const recipientContext = (privateKey: PrivateKey, enc: Uint8Array, info: Uint8Array) =>
    keySchedule(kem.decap(enc, unwrap(privateKey)), info);
  const exported = (context: Context, exporterContext: Uint8Array, length: number) =>
    labels.expand(context.exporterSecret, 'sec', exporterContext, length);

  return {
    seal: (publicKey, plaintext, info, aad) =>
      settled(() => {
        const { enc, context } = senderContext(publicKey, info);
        return { ct: aead.seal(context.key, context.baseNonce, aad ?? empty, plaintext), enc };
      }),
    open: (privateKey, kemOutput, ciphertext, info, aad) =>
      settled(() => {
        const context = recipientContext(privateKey, kemOutput, info);
        return aead.open(context.key, context.baseNonce, aad ?? empty, ciphertext);
      }),
    exportSecret: (publicKey, exporterContext, length, info) =>
      settled(() => {
        const { enc, context } = senderContext(publicKey, info);
        return { enc, secret: exported(context, exporterContext, length) };
      }),
    importSecret: (privateKey, exporterContext, kemOutput, length, info) =>
      settled(() =>
        exported(recipientContext(privateKey, kemOutput, info), exporterContext, length),
      ),
    importPrivateKey: (bytes) => settled(() => asPrivateKey(bytes)),
    importPublicKey: (bytes) => settled(() => asPublicKey(bytes)),
    exportPublicKey: (key) => settled(() => unwrap(key).slice()),
    exportPrivateKey: (key) => settled(() => unwrap(key).slice()),
    encryptAead: (key, nonce, aad, plaintext) =>
      settled(() => aead.seal(key, nonce, aad ?? empty, plaintext)),
    decryptAead: (key, nonce, aad, ciphertext) =>
      settled(() => aead.open(key, nonce, aad ?? empty, ciphertext)),
    deriveKeyPair: (ikm) => settled(() => keyPair(kem.deriveKeyPair(ikm))),
    generateKeyPair: () => settled(() => keyPair(kem.generateKeyPair())),
    keyLength: suite.keyBytes,
    nonceLength: NONCE_BYTES,
  };
}
