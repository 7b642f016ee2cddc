import { verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  generateVapidKeyPair,
  importVapidKeyPair,
  vapidAuthorization,
} from '../../src/push/vapid.js';
import {
  encryptPushMessage,
  encryptPushMessageOnce,
  isP256Point,
} from '../../src/push/web-push-encryption.js';
import { decryptPushMessage, newReceiver, type Receiver } from './web-push-decryptor.js';

const bytes = (base64url: string): Uint8Array<ArrayBuffer> =>
  new Uint8Array(Buffer.from(base64url, 'base64url'));
const utf8 = (value: string): Uint8Array => new TextEncoder().encode(value);

/** RFC 8291 Appendix A (the example of section 5), copied from the RFC: do not edit. */
const RFC_8291 = {
  plaintext: 'When I grow up, I want to be a watermelon',
  asPrivate: 'yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw',
  asPublic:
    'BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8',
  uaPrivate: 'q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94',
  uaPublic:
    'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4',
  salt: 'DGv6ra1nlYgDCS1FRnbzlw',
  authSecret: 'BTBZMqHH6r4Tts7J_aSIgg',
  body: 'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN',
} as const;

const rfcReceiver: Receiver = {
  publicKey: bytes(RFC_8291.uaPublic),
  privateKey: bytes(RFC_8291.uaPrivate),
  auth: bytes(RFC_8291.authSecret),
};

describe('encryptPushMessage (RFC 8291, aes128gcm)', () => {
  it('reproduces the message of the RFC 8291 example byte for byte', () => {
    const body = encryptPushMessage({
      plaintext: utf8(RFC_8291.plaintext),
      subscription: { p256dh: bytes(RFC_8291.uaPublic), auth: bytes(RFC_8291.authSecret) },
      senderPrivateKey: bytes(RFC_8291.asPrivate),
      salt: bytes(RFC_8291.salt),
    });
    expect(Buffer.from(body).toString('base64url')).toBe(RFC_8291.body);
    // The header carries the sender's public key of the example.
    expect(Buffer.from(body.subarray(21, 86)).toString('base64url')).toBe(RFC_8291.asPublic);
  });

  it('has a test decryptor that opens the RFC example, so it can judge the server', async () => {
    const plaintext = await decryptPushMessage(bytes(RFC_8291.body), rfcReceiver);
    expect(new TextDecoder().decode(plaintext)).toBe(RFC_8291.plaintext);
  });

  it('round-trips through the independent decryptor with fresh keys and salt each time', async () => {
    const receiver = newReceiver();
    const subscription = { p256dh: receiver.publicKey, auth: receiver.auth };
    const first = encryptPushMessageOnce(utf8('{"type":"activity"}'), subscription);
    const second = encryptPushMessageOnce(utf8('{"type":"activity"}'), subscription);
    expect(new TextDecoder().decode(await decryptPushMessage(first, receiver))).toBe(
      '{"type":"activity"}',
    );
    expect(new TextDecoder().decode(await decryptPushMessage(second, receiver))).toBe(
      '{"type":"activity"}',
    );
    // Another salt and another sender key: nothing links two pushes to one another.
    expect(Buffer.from(first.subarray(0, 16))).not.toEqual(Buffer.from(second.subarray(0, 16)));
    expect(Buffer.from(first.subarray(21, 86))).not.toEqual(Buffer.from(second.subarray(21, 86)));
  });

  it('gives a message that does not open with another auth secret or when changed', async () => {
    const receiver = newReceiver();
    const body = encryptPushMessageOnce(utf8('{"type":"activity"}'), {
      p256dh: receiver.publicKey,
      auth: receiver.auth,
    });
    const otherAuth = { ...receiver, auth: newReceiver().auth };
    await expect(decryptPushMessage(body, otherAuth)).rejects.toThrow();
    const tampered = Uint8Array.from(body);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    await expect(decryptPushMessage(tampered, receiver)).rejects.toThrow();
  });

  it('refuses a p256dh that is not on the curve', () => {
    const p256dh = bytes(RFC_8291.uaPublic);
    p256dh[64] = (p256dh[64] ?? 0) ^ 1;
    expect(() =>
      encryptPushMessage({
        plaintext: utf8('x'),
        subscription: { p256dh, auth: bytes(RFC_8291.authSecret) },
        senderPrivateKey: bytes(RFC_8291.asPrivate),
        salt: bytes(RFC_8291.salt),
      }),
    ).toThrow();
  });
});

describe('isP256Point', () => {
  it('accepts an uncompressed point on P-256 and refuses anything else', () => {
    const point = bytes(RFC_8291.uaPublic);
    expect(isP256Point(point)).toBe(true);
    const offCurve = Uint8Array.from(point);
    offCurve[64] = (offCurve[64] ?? 0) ^ 1;
    expect(isP256Point(offCurve)).toBe(false);
    const compressedPrefix = Uint8Array.from(point);
    compressedPrefix[0] = 0x02;
    expect(isP256Point(compressedPrefix)).toBe(false);
    expect(isP256Point(point.subarray(0, 64))).toBe(false);
    expect(isP256Point(new Uint8Array(65))).toBe(false);
  });
});

describe('vapidAuthorization (RFC 8292)', () => {
  it('signs an ES256 token for the audience that the public key verifies', () => {
    const pair = generateVapidKeyPair();
    const now = new Date();
    const header = vapidAuthorization(importVapidKeyPair(pair), {
      audience: 'https://push.example.net',
      subject: 'mailto:it@stadt.example',
      now,
    });
    const match = /^vapid t=([^.]+)\.([^.]+)\.([^,]+), k=(.+)$/.exec(header);
    expect(match).not.toBeNull();
    const [, head = '', payload = '', signature = '', key = ''] = match ?? [];
    expect(key).toBe(Buffer.from(pair.publicKey).toString('base64url'));
    expect(JSON.parse(Buffer.from(head, 'base64url').toString())).toEqual({
      typ: 'JWT',
      alg: 'ES256',
    });
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
      aud: string;
      exp: number;
      sub: string;
    };
    expect(claims.aud).toBe('https://push.example.net');
    expect(claims.sub).toBe('mailto:it@stadt.example');
    expect(claims.exp).toBeGreaterThan(now.getTime() / 1000);
    expect(claims.exp).toBeLessThanOrEqual(now.getTime() / 1000 + 24 * 3600);
    const isValid = verify(
      'sha256',
      Buffer.from(`${head}.${payload}`),
      {
        key: {
          kty: 'EC',
          crv: 'P-256',
          x: Buffer.from(pair.publicKey.subarray(1, 33)).toString('base64url'),
          y: Buffer.from(pair.publicKey.subarray(33)).toString('base64url'),
        },
        format: 'jwk',
        dsaEncoding: 'ieee-p1363',
      },
      Buffer.from(signature, 'base64url'),
    );
    expect(isValid).toBe(true);
  });

  it('refuses a public key that is not the private key’s', () => {
    const pair = generateVapidKeyPair();
    expect(() =>
      importVapidKeyPair({
        privateKey: pair.privateKey,
        publicKey: generateVapidKeyPair().publicKey,
      }),
    ).toThrow();
  });
});
