import { describe, expect, it } from 'vitest';
import { base64urlEncode } from '../base64url.js';
import {
  FILE_KEY_COMMITMENT_LABEL,
  FILE_METADATA_KEY_COMMITMENT_LABEL,
  FILE_METADATA_KEY_LABEL,
  FILE_PAYLOAD_KEY_LABEL,
} from './file-key-derivation.js';
import {
  FILE_KEY_TEXT_LENGTH,
  fileKeyFromText,
  fileKeyToText,
  generateFileKey,
} from './file-key.js';
import { thrownCode } from './test-fixtures.js';

describe('file key', () => {
  it('is 32 fresh random bytes', () => {
    const first = generateFileKey();
    expect(first).toHaveLength(32);
    expect(generateFileKey()).not.toEqual(first);
  });

  it('round-trips through 43 base64url characters', () => {
    for (let i = 0; i < 20; i++) {
      const key = generateFileKey();
      const text = fileKeyToText(key);
      expect(text).toHaveLength(FILE_KEY_TEXT_LENGTH);
      expect(text).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(fileKeyFromText(text)).toEqual(key);
    }
  });

  it('rejects texts that are no key: wrong length, other characters, non-canonical bits', () => {
    const text = fileKeyToText(generateFileKey());
    const lastValue = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(
      text.charAt(42),
    );
    const nonCanonical =
      text.slice(0, 42) +
      'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charAt(lastValue ^ 1);
    for (const bad of [
      text.slice(0, 42),
      `${text}A`,
      `${text.slice(0, 42)}=`,
      `${text.slice(0, 42)}+`,
      nonCanonical,
      base64urlEncode(new Uint8Array(33)),
      '',
    ]) {
      expect(thrownCode(() => fileKeyFromText(bad))).toBe('invalid_input');
    }
  });

  it('refuses to encode a key that is not 32 bytes', () => {
    expect(thrownCode(() => fileKeyToText(new Uint8Array(31)))).toBe('invalid_input');
  });

  it('has one distinct derivation label per purpose', () => {
    const labels = [
      FILE_PAYLOAD_KEY_LABEL,
      FILE_KEY_COMMITMENT_LABEL,
      FILE_METADATA_KEY_LABEL,
      FILE_METADATA_KEY_COMMITMENT_LABEL,
    ];
    expect(new Set(labels).size).toBe(labels.length);
  });
});
