import assert from 'node:assert/strict';
import { createCipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto';

/*
 * Message encryption for Web Push (RFC 8291) in the aes128gcm content coding (RFC 8188), one
 * record. This is the one piece of cryptography that lives outside packages/crypto (ADR 0015):
 * only the server encrypts push messages, the browser decrypts them itself, and no other part
 * of Amtsbote needs it.
 */

/** RFC 8291 section 3.4: binds the key to both public keys. */
const KEY_INFO_LABEL = 'WebPush: info\0';
/** RFC 8188 section 2.2: the content-encryption key. */
const CEK_INFO_LABEL = 'Content-Encoding: aes128gcm\0';
/** RFC 8188 section 2.3: the nonce. */
const NONCE_INFO_LABEL = 'Content-Encoding: nonce\0';

export const P256_POINT_BYTES = 65;
export const P256_PRIVATE_KEY_BYTES = 32;
export const AUTH_SECRET_BYTES = 16;
export const SALT_BYTES = 16;
const CEK_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** The record size in the header; the whole message is one record below it. */
export const RECORD_SIZE = 4096;
/** RFC 8188: the padding delimiter of the last record. */
const LAST_RECORD_DELIMITER = 0x02;
/** RFC 8030 section 7.2: push services must accept at least this much. */
export const MAX_PUSH_MESSAGE_BYTES = 4096;

/** The browser's side of a subscription: its public key and the shared auth secret. */
export interface SubscriptionKeys {
  /** Uncompressed P-256 point (65 bytes). */
  readonly p256dh: Uint8Array;
  /** 16 bytes. */
  readonly auth: Uint8Array;
}

export interface PushEncryptionInput {
  readonly plaintext: Uint8Array;
  readonly subscription: SubscriptionKeys;
  /** The sender's one-time P-256 private key (32 bytes): never reused. */
  readonly senderPrivateKey: Uint8Array;
  /** 16 random bytes: never reused. */
  readonly salt: Uint8Array;
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
}

/**
 * The message body: salt || rs || idlen || as_public || ciphertext (RFC 8291 section 4). Pure:
 * the sender's key and the salt are inputs, so the RFC's example can be reproduced. Throws when
 * p256dh is not a point on P-256.
 */
export function encryptPushMessage(input: PushEncryptionInput): Uint8Array {
  const { plaintext, subscription, senderPrivateKey, salt } = input;
  assert.equal(subscription.p256dh.length, P256_POINT_BYTES, 'p256dh is 65 bytes');
  assert.equal(subscription.auth.length, AUTH_SECRET_BYTES, 'auth is 16 bytes');
  assert.equal(senderPrivateKey.length, P256_PRIVATE_KEY_BYTES, 'the sender key is 32 bytes');
  assert.equal(salt.length, SALT_BYTES, 'the salt is 16 bytes');
  assert(plaintext.length + 1 + TAG_BYTES <= RECORD_SIZE, 'the message fits one record');

  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(senderPrivateKey);
  const senderPublicKey = new Uint8Array(ecdh.getPublicKey(null, 'uncompressed'));
  const ecdhSecret = new Uint8Array(ecdh.computeSecret(subscription.p256dh));

  // RFC 8291 section 3.4: IKM = HKDF(auth_secret, ecdh_secret, key_info, 32).
  const keyInfo = concat(utf8(KEY_INFO_LABEL), subscription.p256dh, senderPublicKey);
  const ikm = hkdf(ecdhSecret, subscription.auth, keyInfo, 32);
  // RFC 8188 section 2.2 and 2.3, with the salt of the header.
  const cek = hkdf(ikm, salt, utf8(CEK_INFO_LABEL), CEK_BYTES);
  const nonce = hkdf(ikm, salt, utf8(NONCE_INFO_LABEL), NONCE_BYTES);

  const cipher = createCipheriv('aes-128-gcm', cek, nonce);
  const ciphertext = concat(
    cipher.update(concat(plaintext, Uint8Array.of(LAST_RECORD_DELIMITER))),
    cipher.final(),
    cipher.getAuthTag(),
  );
  ecdhSecret.fill(0);
  ikm.fill(0);
  cek.fill(0);

  const recordSize = new Uint8Array(4);
  new DataView(recordSize.buffer).setUint32(0, RECORD_SIZE);
  const body = concat(
    salt,
    recordSize,
    Uint8Array.of(senderPublicKey.length),
    senderPublicKey,
    ciphertext,
  );
  assert(body.length <= MAX_PUSH_MESSAGE_BYTES, 'the message fits a push message');
  return body;
}

/** Encrypts with a fresh sender key and salt, as every real push must. */
export function encryptPushMessageOnce(
  plaintext: Uint8Array,
  subscription: SubscriptionKeys,
): Uint8Array {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  // getPrivateKey drops leading zero bytes; the scalar is 32 bytes with them.
  const scalar = ecdh.getPrivateKey();
  const senderPrivateKey = new Uint8Array(P256_PRIVATE_KEY_BYTES);
  senderPrivateKey.set(scalar, P256_PRIVATE_KEY_BYTES - scalar.length);
  scalar.fill(0);
  try {
    return encryptPushMessage({
      plaintext,
      subscription,
      senderPrivateKey,
      salt: new Uint8Array(randomBytes(SALT_BYTES)),
    });
  } finally {
    senderPrivateKey.fill(0);
  }
}

/** Any valid scalar works for the probe: computeSecret refuses points off the curve. */
const PROBE_PRIVATE_KEY = new Uint8Array(P256_PRIVATE_KEY_BYTES).fill(1);

/** Whether the bytes are an uncompressed point on P-256 (not the point at infinity). */
export function isP256Point(bytes: Uint8Array): boolean {
  if (bytes.length !== P256_POINT_BYTES || bytes[0] !== 0x04) return false;
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(PROBE_PRIVATE_KEY);
  try {
    ecdh.computeSecret(bytes);
    return true;
  } catch {
    return false;
  }
}
