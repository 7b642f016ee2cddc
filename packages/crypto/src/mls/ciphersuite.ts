import {
  ciphersuites,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  type CiphersuiteImpl,
  type CiphersuiteName,
} from 'ts-mls';
import { createEd25519Signature } from './ed25519-signature.js';
import { fastCiphersuite } from './fast-ciphersuite.js';
import { MlsGroupError } from './mls-group-error.js';
import { findNativeCrypto } from './native-crypto.js';
import { findSodium } from './native-sodium.js';

/** The MLS ciphersuites Amtsbote allows (the same ids as packages/protocol CIPHERSUITES). */
export const MLS_CIPHERSUITES = {
  /** MLS_256_XWING_AES256GCM_SHA512_Ed25519, hybrid post-quantum; the default. */
  xwing: 0x0053,
  /** MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, selectable by policy. */
  classic: 0x0001,
} as const;
export type MlsCiphersuiteId = (typeof MLS_CIPHERSUITES)[keyof typeof MLS_CIPHERSUITES];

const NAMES: Readonly<Record<MlsCiphersuiteId, CiphersuiteName>> = {
  [MLS_CIPHERSUITES.xwing]: 'MLS_256_XWING_AES256GCM_SHA512_Ed25519',
  [MLS_CIPHERSUITES.classic]: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519',
};

export function isSupportedCiphersuite(id: number): id is MlsCiphersuiteId {
  return id === MLS_CIPHERSUITES.xwing || id === MLS_CIPHERSUITES.classic;
}

/** The id of a ts-mls ciphersuite name, or null when Amtsbote does not allow it. */
export function ciphersuiteIdFromName(name: CiphersuiteName): MlsCiphersuiteId | null {
  const id: number = ciphersuites[name];
  return isSupportedCiphersuite(id) ? id : null;
}

export function ciphersuiteName(id: MlsCiphersuiteId): CiphersuiteName {
  return NAMES[id];
}

/*
 * A memo, not shared mutable state: implementations are immutable and building one (loading
 * X-Wing, probing WebCrypto) costs far more than a message, so each is built once per id.
 */
const loaded = new Map<MlsCiphersuiteId, Promise<CiphersuiteImpl>>();

/** ts-mls's implementation with our Ed25519 signer, and in Node the synchronous primitives. */
async function build(id: MlsCiphersuiteId): Promise<CiphersuiteImpl> {
  const native = findNativeCrypto();
  const stock = await getCiphersuiteImpl(getCiphersuiteFromName(NAMES[id]));
  const impl = native === null ? stock : await fastCiphersuite(stock, native);
  return { ...impl, signature: await createEd25519Signature(native, findSodium()) };
}

export function loadCiphersuite(id: MlsCiphersuiteId): Promise<CiphersuiteImpl> {
  if (!isSupportedCiphersuite(id)) {
    return Promise.reject(new MlsGroupError('unsupported_ciphersuite', 'unsupported ciphersuite'));
  }
  let impl = loaded.get(id);
  if (impl === undefined) {
    impl = build(id);
    loaded.set(id, impl);
    // A failed load (e.g. a missing optional dependency) is retried next time.
    void impl.catch(() => loaded.delete(id));
  }
  return impl;
}
