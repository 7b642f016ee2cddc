import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';

/*
 * The browser's side of RFC 8291, written apart from the server's code and on another API (Web
 * Crypto: ECDH, HMAC, AES-GCM; HKDF spelled out as HMAC steps), so that the server's encryption
 * is checked by something that does not share its mistakes. The RFC's own example checks this
 * one (web-push-encryption.test.ts).
 */

const subtle = globalThis.crypto.subtle;
const text = (value: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(value);

function join(...parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

async function hmac(key: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>) {
  const imported = await subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  return new Uint8Array(await subtle.sign('HMAC', imported, data));
}

/** HKDF (RFC 5869) with one block of output, which is all RFC 8291 needs. */
async function hkdf(
  salt: Uint8Array<ArrayBuffer>,
  ikm: Uint8Array<ArrayBuffer>,
  info: Uint8Array<ArrayBuffer>,
  length: number,
): Promise<Uint8Array<ArrayBuffer>> {
  assert(length <= 32);
  const prk = await hmac(salt, ikm);
  return (await hmac(prk, join(info, Uint8Array.of(1)))).slice(0, length);
}

/** A browser's subscription keys: the P-256 pair and the auth secret. */
export interface Receiver {
  /** Uncompressed point, 65 bytes. */
  readonly publicKey: Uint8Array<ArrayBuffer>;
  /** The scalar, 32 bytes. */
  readonly privateKey: Uint8Array<ArrayBuffer>;
  readonly auth: Uint8Array<ArrayBuffer>;
}

/** New subscription keys, as a browser makes them (node:crypto ECDH P-256). */
export function newReceiver(): Receiver {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const scalar = ecdh.getPrivateKey();
  const privateKey = new Uint8Array(32);
  privateKey.set(scalar, 32 - scalar.length);
  return {
    publicKey: new Uint8Array(ecdh.getPublicKey(null, 'uncompressed')),
    privateKey,
    auth: new Uint8Array(randomBytes(16)),
  };
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/** Decrypts an aes128gcm push message body of one record; throws when anything is off. */
export async function decryptPushMessage(
  body: Uint8Array,
  receiver: Receiver,
): Promise<Uint8Array> {
  assert(body.length > 21, 'the body has a header');
  const salt = body.slice(0, 16);
  const recordSize = new DataView(body.buffer, body.byteOffset + 16, 4).getUint32(0);
  const idLength = body[20];
  assert.equal(idLength, 65, 'the key id is the sender public key');
  const senderPublic = body.slice(21, 21 + 65);
  const ciphertext = body.slice(21 + 65);
  assert(ciphertext.length <= recordSize, 'one record');

  const privateKey = await subtle.importKey(
    'jwk',
    {
      kty: 'EC',
      crv: 'P-256',
      d: b64(receiver.privateKey),
      x: b64(receiver.publicKey.subarray(1, 33)),
      y: b64(receiver.publicKey.subarray(33, 65)),
    },
    { name: 'ECDH', namedCurve: 'P-256' },
    false,
    ['deriveBits'],
  );
  const senderKey = await subtle.importKey(
    'raw',
    senderPublic,
    { name: 'ECDH', namedCurve: 'P-256' },
    false,
    [],
  );
  const ecdhSecret = new Uint8Array(
    await subtle.deriveBits({ name: 'ECDH', public: senderKey }, privateKey, 256),
  );
  const keyInfo = join(text('WebPush: info'), Uint8Array.of(0), receiver.publicKey, senderPublic);
  const ikm = await hkdf(receiver.auth, ecdhSecret, keyInfo, 32);
  const cek = await hkdf(
    salt,
    ikm,
    join(text('Content-Encoding: aes128gcm'), Uint8Array.of(0)),
    16,
  );
  const nonce = await hkdf(salt, ikm, join(text('Content-Encoding: nonce'), Uint8Array.of(0)), 12);
  const key = await subtle.importKey('raw', cek, 'AES-GCM', false, ['decrypt']);
  const padded = new Uint8Array(
    await subtle.decrypt({ name: 'AES-GCM', iv: nonce, tagLength: 128 }, key, ciphertext),
  );
  // RFC 8188: the content, the delimiter 2 (last record), then zeros.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  assert.equal(padded[end], 2, 'the last record ends with delimiter 2');
  return padded.slice(0, end);
}
