import { describe, expect, it } from 'vitest';
import { base64urlEncode } from './base64url.js';
import { hashToken, sha256 } from './hash.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('sha256', () => {
  // FIPS 180-2, appendix B.1 and the empty message.
  it('matches the published SHA-256 vectors', async () => {
    expect(hex(await sha256(new TextEncoder().encode('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(hex(await sha256(new Uint8Array()))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});

describe('hashToken', () => {
  it('is the base64url SHA-256 of the token text', async () => {
    expect(await hashToken('abc')).toBe('ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
  });

  it('hashes the UTF-8 bytes of the text', async () => {
    const token = 'Grüße';
    expect(await hashToken(token)).toBe(
      base64urlEncode(await sha256(Buffer.from(token, 'utf8').subarray())),
    );
    expect(await hashToken(token)).not.toBe(await hashToken('Grusse'));
  });

  it('gives 43 characters, the unpadded base64url of 32 bytes', async () => {
    expect(await hashToken('')).toBe('47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
    expect(await hashToken('any token')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
