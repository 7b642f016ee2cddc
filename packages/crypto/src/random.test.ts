import { describe, expect, it } from 'vitest';
import { base64urlDecode } from './base64url.js';
import { randomBytes, randomToken, TOKEN_BYTES } from './random.js';

describe('randomBytes', () => {
  it('returns the requested number of bytes', () => {
    expect(randomBytes(0)).toHaveLength(0);
    expect(randomBytes(17)).toHaveLength(17);
  });

  it('returns different bytes on each call', () => {
    expect(randomBytes(32)).not.toEqual(randomBytes(32));
  });
});

describe('randomToken', () => {
  it('carries 256 bits', () => {
    expect(TOKEN_BYTES * 8).toBe(256);
    expect(base64urlDecode(randomToken())).toHaveLength(32);
  });

  it('is 43 base64url characters', () => {
    expect(randomToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('never repeats across many tokens', () => {
    const tokens = new Set(Array.from({ length: 10_000 }, () => randomToken()));
    expect(tokens.size).toBe(10_000);
  });

  it('uses every base64url character across many tokens', () => {
    const seen = new Set(Array.from({ length: 200 }, () => randomToken()).join(''));
    expect(seen.size).toBe(64);
  });
});
