import { describe, expect, it } from 'vitest';
import {
  HISTORY_KEY_BYTES,
  USER_SECRETS_BYTES,
  UserSecretsError,
  decodeUserSecrets,
  encodeUserSecrets,
  generateUserSecrets,
} from './user-secrets.js';

function reasonOf(bytes: Uint8Array): string {
  try {
    decodeUserSecrets(bytes);
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(UserSecretsError);
    return (error as UserSecretsError).reason;
  }
}

describe('user secrets', () => {
  it('round-trip identity key and history key through their encoding', () => {
    const secrets = generateUserSecrets();
    const encoded = encodeUserSecrets(secrets);
    expect(encoded).toHaveLength(USER_SECRETS_BYTES);
    const decoded = decodeUserSecrets(encoded);
    expect(decoded.identityKey.publicKey).toEqual(secrets.identityKey.publicKey);
    expect(decoded.identityKey.privateKey).toEqual(secrets.identityKey.privateKey);
    expect(decoded.historyKey).toEqual(secrets.historyKey);
    expect(secrets.historyKey).toHaveLength(HISTORY_KEY_BYTES);
  });

  it('generates different secrets each time', () => {
    const [a, b] = [generateUserSecrets(), generateUserSecrets()];
    expect(a.historyKey).not.toEqual(b.historyKey);
    expect(a.identityKey.publicKey).not.toEqual(b.identityKey.publicKey);
  });

  it('refuses another version, truncation, trailing bytes and wrong field lengths', () => {
    const encoded = encodeUserSecrets(generateUserSecrets());
    const otherVersion = encoded.slice();
    otherVersion[0] = 2;
    expect(reasonOf(otherVersion)).toBe('unknown_version');
    expect(reasonOf(encoded.subarray(0, encoded.length - 1))).toBe('truncated');
    expect(reasonOf(new Uint8Array(0))).toBe('truncated');
    expect(reasonOf(Uint8Array.from([...encoded, 0]))).toBe('trailing_bytes');
    // Version, then a 31-byte identity key field.
    expect(reasonOf(Uint8Array.from([1, 0, 31, ...new Uint8Array(31)]))).toBe('wrong_length');
    expect(() =>
      encodeUserSecrets({ ...generateUserSecrets(), historyKey: new Uint8Array(16) }),
    ).toThrow(UserSecretsError);
  });
});
