import type * as NodeCrypto from 'node:crypto';

/*
 * Node's crypto module, looked up at run time and never imported: this package also runs in
 * browsers, where it is absent and the portable implementations (WebCrypto, @noble) are used.
 * Its one-shot functions are native and synchronous. WebCrypto's are asynchronous, and an MLS
 * message takes about ten small operations: waiting for WebCrypto's thread pool on each costs
 * more than the cryptography itself (see docs/performance.md).
 */

/** The part of node:crypto the MLS code uses. */
export type NativeCrypto = Pick<
  typeof NodeCrypto,
  | 'createHash'
  | 'createHmac'
  | 'createCipheriv'
  | 'createDecipheriv'
  | 'createPrivateKey'
  | 'createPublicKey'
  | 'diffieHellman'
  | 'sign'
  | 'verify'
>;

interface ProcessWithBuiltins {
  readonly getBuiltinModule?: (id: 'node:crypto') => NativeCrypto | undefined;
}

/** Node's crypto module, or null where there is none (browsers) or it cannot be looked up. */
export function findNativeCrypto(): NativeCrypto | null {
  const process = (globalThis as { process?: ProcessWithBuiltins }).process;
  try {
    return process?.getBuiltinModule?.('node:crypto') ?? null;
  } catch {
    return null;
  }
}

export type NativeKeyObject = ReturnType<NativeCrypto['createPublicKey']>;
export type OkpCurve = 'Ed25519' | 'X25519';

/*
 * Raw keys are imported as JWK: Node 20's OpenSSL 3 decodes DER (PKCS#8, SPKI) through its
 * generic decoder, about ten times slower than the JWK path, which takes the raw bytes. The
 * Buffer global exists wherever node:crypto does.
 */
const base64url = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');

export function okpPublicKey(
  native: NativeCrypto,
  crv: OkpCurve,
  raw: Uint8Array,
): NativeKeyObject {
  return native.createPublicKey({ key: { kty: 'OKP', crv, x: base64url(raw) }, format: 'jwk' });
}

/** Node derives the public half from d; x must be a string but is not read. */
export function okpPrivateKey(
  native: NativeCrypto,
  crv: OkpCurve,
  raw: Uint8Array,
): NativeKeyObject {
  return native.createPrivateKey({
    key: { kty: 'OKP', crv, d: base64url(raw), x: '' },
    format: 'jwk',
  });
}

/** The raw public key of a private or public OKP key object. */
export function okpRawPublicKey(native: NativeCrypto, key: NativeKeyObject): Uint8Array {
  const publicKey = key.type === 'private' ? native.createPublicKey(key) : key;
  const { x } = publicKey.export({ format: 'jwk' });
  if (x === undefined) throw new Error('not an OKP key');
  return new Uint8Array(Buffer.from(x, 'base64url'));
}
