import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import {
  IDENTITY_SIGNATURE_LABELS,
  IdentityKeyError,
  exportIdentityPrivateKey,
  generateIdentityKey,
  importIdentityPrivateKey,
  importIdentityPublicKey,
  isValidIdentityPublicKey,
  signWithIdentityKey,
  verifyIdentitySignature,
} from './identity-key.js';

const LABEL = IDENTITY_SIGNATURE_LABELS.deviceCredential;
const content = new TextEncoder().encode('fields');

describe('identity key', () => {
  it('verifies its own signature over labelled content', () => {
    const key = generateIdentityKey();
    const signature = signWithIdentityKey(key, LABEL, content);
    expect(signature).toHaveLength(64);
    expect(verifyIdentitySignature(key.publicKey, LABEL, content, signature)).toBe(true);
  });

  it('signs label || 0x00 || content, so a bare Ed25519 signature over the content fails', () => {
    const key = generateIdentityKey();
    const bare = ed25519.sign(content, key.privateKey);
    expect(verifyIdentitySignature(key.publicKey, LABEL, content, bare)).toBe(false);
    const prefixed = new Uint8Array([...new TextEncoder().encode(LABEL), 0, ...content]);
    expect(ed25519.verify(signWithIdentityKey(key, LABEL, content), prefixed, key.publicKey)).toBe(
      true,
    );
  });

  it('rejects a signature by another key, over other content, or with a flipped bit', () => {
    const key = generateIdentityKey();
    const signature = signWithIdentityKey(key, LABEL, content);
    expect(
      verifyIdentitySignature(generateIdentityKey().publicKey, LABEL, content, signature),
    ).toBe(false);
    expect(verifyIdentitySignature(key.publicKey, LABEL, new Uint8Array([1]), signature)).toBe(
      false,
    );
    const flipped = signature.slice();
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    expect(verifyIdentitySignature(key.publicKey, LABEL, content, flipped)).toBe(false);
  });

  it('returns false instead of throwing for keys and signatures of the wrong length', () => {
    const key = generateIdentityKey();
    const signature = signWithIdentityKey(key, LABEL, content);
    expect(verifyIdentitySignature(key.publicKey.subarray(1), LABEL, content, signature)).toBe(
      false,
    );
    expect(verifyIdentitySignature(key.publicKey, LABEL, content, signature.subarray(1))).toBe(
      false,
    );
  });

  it('round-trips the private key through export and import', () => {
    const key = generateIdentityKey();
    const imported = importIdentityPrivateKey(exportIdentityPrivateKey(key));
    expect(imported.publicKey).toEqual(key.publicKey);
    const signature = signWithIdentityKey(imported, LABEL, content);
    expect(verifyIdentitySignature(key.publicKey, LABEL, content, signature)).toBe(true);
  });

  it('refuses a private key that is not 32 bytes with a typed error', () => {
    expect(() => importIdentityPrivateKey(new Uint8Array(31))).toThrow(IdentityKeyError);
    expect(() => importIdentityPrivateKey(new Uint8Array(64))).toThrow(
      expect.objectContaining({ code: 'invalid_identity_key' }),
    );
  });

  it('imports a valid public key and refuses wrong lengths and small-order points', () => {
    const key = generateIdentityKey();
    expect(importIdentityPublicKey(key.publicKey)).toEqual(key.publicKey);
    expect(() => importIdentityPublicKey(new Uint8Array(33))).toThrow(IdentityKeyError);
    // The neutral element (y = 1) is a valid encoding of a point of order 1.
    const neutral = new Uint8Array(32);
    neutral[0] = 1;
    expect(isValidIdentityPublicKey(neutral)).toBe(false);
    expect(() => importIdentityPublicKey(neutral)).toThrow(IdentityKeyError);
  });
});
