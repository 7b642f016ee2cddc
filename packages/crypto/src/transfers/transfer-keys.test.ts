import { describe, expect, it } from 'vitest';
import { base64urlDecode, base64urlEncode } from '../base64url.js';
import { FileCryptoError } from '../files/file-crypto-error.js';
import { generateFileKey } from '../files/file-key.js';
import {
  TRANSFER_SECRET_BYTES,
  WRAPPED_FILE_KEY_BYTES,
  deriveTransferKeys,
  generateTransferSecret,
  parseTransferFragment,
  transferAccessHash,
  transferFragment,
  unwrapFileKey,
  wrapFileKey,
} from './transfer-keys.js';

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FileCryptoError);
  expect((error as FileCryptoError).code).toBe(code);
}

describe('transfer link keys', () => {
  it('round-trips the fragment, with and without the password mark', () => {
    const secret = generateTransferSecret();
    expect(secret).toHaveLength(TRANSFER_SECRET_BYTES);
    const plain = transferFragment({ secret, passwordProtected: false });
    const marked = transferFragment({ secret, passwordProtected: true });
    expect(plain).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(marked).toBe(`${plain}.p`);
    expect(parseTransferFragment(plain)).toEqual({ secret, passwordProtected: false });
    expect(parseTransferFragment(`#${marked}`)).toEqual({ secret, passwordProtected: true });
  });

  it('refuses damaged fragments with invalid_input', () => {
    const plain = transferFragment({ secret: generateTransferSecret(), passwordProtected: false });
    for (const bad of ['', plain.slice(1), `${plain}A`, `${plain.slice(0, 42)}*`, `${plain}.q`]) {
      expect(() => parseTransferFragment(bad)).toThrow(FileCryptoError);
    }
  });

  it('wraps a file key that only the same link opens', async () => {
    const link = { secret: generateTransferSecret(), passwordProtected: false };
    const keys = await deriveTransferKeys(link, null);
    const fileKey = generateFileKey();
    const wrapped = await wrapFileKey(keys, fileKey);
    expect(wrapped).toHaveLength(WRAPPED_FILE_KEY_BYTES);
    const again = await deriveTransferKeys(parseTransferFragment(transferFragment(link)), null);
    expect(await unwrapFileKey(again, wrapped)).toEqual(fileKey);
    expect(again.accessToken).toEqual(keys.accessToken);

    const other = await deriveTransferKeys(
      { secret: generateTransferSecret(), passwordProtected: false },
      null,
    );
    await rejectsWith(unwrapFileKey(other, wrapped), 'wrong_key');
    const flipped = new Uint8Array(wrapped);
    flipped[20] = (flipped[20] ?? 0) ^ 1;
    await rejectsWith(unwrapFileKey(keys, flipped), 'wrong_key');
    await rejectsWith(unwrapFileKey(keys, wrapped.subarray(1)), 'invalid_input');
  });

  it('makes the password a second secret: another password gives other keys', async () => {
    const link = { secret: generateTransferSecret(), passwordProtected: true };
    const right = await deriveTransferKeys(link, 'Rathaus-Süd 2026');
    // The same password typed decomposed (NFD) gives the same keys.
    const decomposed = await deriveTransferKeys(link, 'Rathaus-Süd 2026'.normalize('NFD'));
    expect(decomposed.accessToken).toEqual(right.accessToken);
    const wrong = await deriveTransferKeys(link, 'Rathaus-Sud 2026');
    expect(wrong.accessToken).not.toEqual(right.accessToken);
    const withoutPassword = await deriveTransferKeys(
      { secret: link.secret, passwordProtected: false },
      null,
    );
    expect(withoutPassword.accessToken).not.toEqual(right.accessToken);

    const fileKey = generateFileKey();
    const wrapped = await wrapFileKey(right, fileKey);
    expect(await unwrapFileKey(decomposed, wrapped)).toEqual(fileKey);
    await rejectsWith(unwrapFileKey(wrong, wrapped), 'wrong_key');
    await rejectsWith(unwrapFileKey(withoutPassword, wrapped), 'wrong_key');
  });

  it('asks for the password exactly when the link has one', async () => {
    const secret = generateTransferSecret();
    await rejectsWith(
      deriveTransferKeys({ secret, passwordProtected: true }, null),
      'invalid_input',
    );
    await rejectsWith(
      deriveTransferKeys({ secret, passwordProtected: false }, 'x'),
      'invalid_input',
    );
    await rejectsWith(deriveTransferKeys({ secret, passwordProtected: true }, ''), 'invalid_input');
  });

  it('derives the access token as specified, and hashes it with SHA-256', async () => {
    // An independent computation of the documented derivation, with node:crypto.
    const { hkdfSync, createHash } = await import('node:crypto');
    const secret = base64urlDecode('AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8');
    const keys = await deriveTransferKeys({ secret, passwordProtected: false }, null);
    const expected = new Uint8Array(
      hkdfSync('sha256', secret, new Uint8Array(0), 'amtsbote transfer v1 access', 32),
    );
    expect(base64urlEncode(keys.accessToken)).toBe(base64urlEncode(expected));
    const hash = await transferAccessHash(keys.accessToken);
    expect(hash).toEqual(new Uint8Array(createHash('sha256').update(keys.accessToken).digest()));
  });
});
