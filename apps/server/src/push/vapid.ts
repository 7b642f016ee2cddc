import assert from 'node:assert/strict';
import { createECDH, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { base64urlEncode } from '@amtsbote/crypto';
import { P256_POINT_BYTES, P256_PRIVATE_KEY_BYTES } from './web-push-encryption.js';

/*
 * VAPID (RFC 8292): the server identifies itself to push services with an ES256 token signed
 * by its own P-256 key. Browsers bind a subscription to the public key (applicationServerKey),
 * so a push service accepts pushes for it only with tokens of this key.
 */

/** RFC 8292 section 2: no more than 24 hours; a shorter token limits a leaked one. */
export const VAPID_TOKEN_LIFETIME_MS = 12 * 3600_000;

/** The raw pair as it is configured and stored: scalar and uncompressed point. */
export interface VapidKeyPair {
  /** 32 bytes: a secret. */
  readonly privateKey: Uint8Array;
  /** 65 bytes. */
  readonly publicKey: Uint8Array;
}

/** The pair ready to sign. */
export interface VapidSigner {
  readonly publicKey: Uint8Array;
  readonly privateKey: KeyObject;
}

export function generateVapidKeyPair(): VapidKeyPair {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const scalar = ecdh.getPrivateKey();
  // getPrivateKey drops leading zero bytes; the scalar is 32 bytes with them.
  const privateKey = new Uint8Array(P256_PRIVATE_KEY_BYTES);
  privateKey.set(scalar, P256_PRIVATE_KEY_BYTES - scalar.length);
  scalar.fill(0);
  return { privateKey, publicKey: new Uint8Array(ecdh.getPublicKey(null, 'uncompressed')) };
}

/** Imports a pair; throws when the scalar is not a P-256 key or the point is not its own. */
export function importVapidKeyPair(pair: VapidKeyPair): VapidSigner {
  assert.equal(pair.privateKey.length, P256_PRIVATE_KEY_BYTES, 'a P-256 private key');
  assert.equal(pair.publicKey.length, P256_POINT_BYTES, 'an uncompressed P-256 point');
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(pair.privateKey);
  const derived = new Uint8Array(ecdh.getPublicKey(null, 'uncompressed'));
  assert.deepEqual(derived, pair.publicKey, 'the public key belongs to the private key');
  const privateKey = createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: base64urlEncode(pair.privateKey),
      x: base64urlEncode(pair.publicKey.subarray(1, 33)),
      y: base64urlEncode(pair.publicKey.subarray(33, 65)),
    },
    format: 'jwk',
  });
  return { publicKey: pair.publicKey, privateKey };
}

const json = (value: unknown): string =>
  base64urlEncode(new TextEncoder().encode(JSON.stringify(value)));

export interface VapidClaims {
  /** The push resource's origin: scheme, host and port of the endpoint. */
  readonly audience: string;
  /** mailto: or https: contact of the operator; null: the claim is left out. */
  readonly subject: string | null;
  readonly now: Date;
}

/** The JWT (RFC 7515 compact, ES256) for one push service. */
export function vapidToken(signer: VapidSigner, claims: VapidClaims): string {
  const header = json({ typ: 'JWT', alg: 'ES256' });
  const payload = json({
    aud: claims.audience,
    exp: Math.floor((claims.now.getTime() + VAPID_TOKEN_LIFETIME_MS) / 1000),
    ...(claims.subject === null ? {} : { sub: claims.subject }),
  });
  const signingInput = `${header}.${payload}`;
  // JWS wants r || s (IEEE P1363), not DER.
  const signature = sign('sha256', Buffer.from(signingInput, 'ascii'), {
    key: signer.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${signingInput}.${base64urlEncode(new Uint8Array(signature))}`;
}

/** The Authorization header of RFC 8292 section 3. */
export function vapidAuthorization(signer: VapidSigner, claims: VapidClaims): string {
  return `vapid t=${vapidToken(signer, claims)}, k=${base64urlEncode(signer.publicKey)}`;
}
