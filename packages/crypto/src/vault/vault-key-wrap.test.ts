import { describe, expect, it } from 'vitest';
import { VaultKeyError, type VaultKeyErrorCode } from './vault-key-error.js';
import {
  VAULT_KEY_BYTES,
  VAULT_KEY_LABELS,
  WRAPPED_VAULT_KEY_BYTES,
  generateVaultKey,
  unwrapVaultKeyWithPrf,
  unwrapVaultKeyWithSecret,
  vaultPrfEvaluationInput,
  wrapVaultKeyWithPrf,
  wrapVaultKeyWithSecret,
} from './vault-key-wrap.js';

const VAULT_ID = '0b7c1c6e-3a52-4d1e-9f0e-7f3b1b1f4c2a';
const OTHER_VAULT_ID = '5d0e8c4a-91f6-4b8e-8a57-2f7d6c3e9b10';
const prfOutput = (fill: number): Uint8Array => new Uint8Array(32).fill(fill);

async function refusal(promise: Promise<unknown>): Promise<VaultKeyErrorCode> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VaultKeyError);
  return (error as VaultKeyError).code;
}

describe('vault key wrapping with a PIN', () => {
  it('unwraps the vault key with the same PIN and vault id', async () => {
    const vaultKey = generateVaultKey();
    expect(vaultKey).toHaveLength(VAULT_KEY_BYTES);
    const wrapped = await wrapVaultKeyWithSecret(vaultKey, '482916', VAULT_ID);
    expect(wrapped).toHaveLength(WRAPPED_VAULT_KEY_BYTES);
    expect(await unwrapVaultKeyWithSecret(wrapped, '482916', VAULT_ID)).toEqual(vaultKey);
  });

  it('uses a fresh salt and nonce for every wrap of the same key and PIN', async () => {
    const vaultKey = generateVaultKey();
    const first = await wrapVaultKeyWithSecret(vaultKey, '482916', VAULT_ID);
    const second = await wrapVaultKeyWithSecret(vaultKey, '482916', VAULT_ID);
    expect(first.subarray(2, 18)).not.toEqual(second.subarray(2, 18));
    expect(first).not.toEqual(second);
  });

  it('treats the NFC and NFD spellings of a passphrase alike', async () => {
    const vaultKey = generateVaultKey();
    const wrapped = await wrapVaultKeyWithSecret(vaultKey, 'Grüße', VAULT_ID);
    const decomposed = 'Grüße'.normalize('NFD');
    expect(decomposed).not.toBe('Grüße');
    expect(await unwrapVaultKeyWithSecret(wrapped, decomposed, VAULT_ID)).toEqual(vaultKey);
  });

  it('refuses a wrong PIN with wrong_secret', async () => {
    const wrapped = await wrapVaultKeyWithSecret(generateVaultKey(), '482916', VAULT_ID);
    expect(await refusal(unwrapVaultKeyWithSecret(wrapped, '482917', VAULT_ID))).toBe(
      'wrong_secret',
    );
  });

  it('refuses the wrap under another vault id, so a wrap cannot be moved between vaults', async () => {
    const wrapped = await wrapVaultKeyWithSecret(generateVaultKey(), '482916', VAULT_ID);
    expect(await refusal(unwrapVaultKeyWithSecret(wrapped, '482916', OTHER_VAULT_ID))).toBe(
      'wrong_secret',
    );
  });

  it('refuses a wrap with any one changed byte of salt, nonce, ciphertext or tag', async () => {
    const wrapped = await wrapVaultKeyWithSecret(generateVaultKey(), '482916', VAULT_ID);
    for (const index of [2, 17, 18, 29, 30, WRAPPED_VAULT_KEY_BYTES - 1]) {
      const tampered = wrapped.slice();
      tampered[index] = (tampered[index] ?? 0) ^ 0x01;
      expect(await refusal(unwrapVaultKeyWithSecret(tampered, '482916', VAULT_ID))).toBe(
        'wrong_secret',
      );
    }
  });

  it('refuses truncated wraps, unknown versions and PRF wraps as malformed', async () => {
    const vaultKey = generateVaultKey();
    const wrapped = await wrapVaultKeyWithSecret(vaultKey, '482916', VAULT_ID);
    const otherVersion = wrapped.slice();
    otherVersion[0] = 2;
    const prfWrapped = await wrapVaultKeyWithPrf(vaultKey, prfOutput(7), VAULT_ID);
    for (const bad of [wrapped.subarray(0, 77), new Uint8Array(0), otherVersion, prfWrapped]) {
      expect(await refusal(unwrapVaultKeyWithSecret(bad, '482916', VAULT_ID))).toBe('malformed');
    }
  });

  it('refuses empty PINs, bad keys and bad vault ids as invalid_input', async () => {
    const vaultKey = generateVaultKey();
    expect(await refusal(wrapVaultKeyWithSecret(vaultKey, '', VAULT_ID))).toBe('invalid_input');
    expect(await refusal(wrapVaultKeyWithSecret(vaultKey, 'x'.repeat(1025), VAULT_ID))).toBe(
      'invalid_input',
    );
    expect(await refusal(wrapVaultKeyWithSecret(vaultKey, 'a\uD800', VAULT_ID))).toBe(
      'invalid_input',
    );
    expect(await refusal(wrapVaultKeyWithSecret(vaultKey.subarray(1), '1', VAULT_ID))).toBe(
      'invalid_input',
    );
    expect(await refusal(wrapVaultKeyWithSecret(vaultKey, '1', ''))).toBe('invalid_input');
  });
});

describe('vault key wrapping with a passkey PRF output', () => {
  it('unwraps the vault key with the same PRF output and vault id', async () => {
    const vaultKey = generateVaultKey();
    const wrapped = await wrapVaultKeyWithPrf(vaultKey, prfOutput(7), VAULT_ID);
    expect(wrapped).toHaveLength(WRAPPED_VAULT_KEY_BYTES);
    expect(await unwrapVaultKeyWithPrf(wrapped, prfOutput(7), VAULT_ID)).toEqual(vaultKey);
  });

  it('refuses another PRF output, another vault id and changed bytes', async () => {
    const wrapped = await wrapVaultKeyWithPrf(generateVaultKey(), prfOutput(7), VAULT_ID);
    expect(await refusal(unwrapVaultKeyWithPrf(wrapped, prfOutput(8), VAULT_ID))).toBe(
      'wrong_secret',
    );
    expect(await refusal(unwrapVaultKeyWithPrf(wrapped, prfOutput(7), OTHER_VAULT_ID))).toBe(
      'wrong_secret',
    );
    const tampered = wrapped.slice();
    tampered[40] = (tampered[40] ?? 0) ^ 0x80;
    expect(await refusal(unwrapVaultKeyWithPrf(tampered, prfOutput(7), VAULT_ID))).toBe(
      'wrong_secret',
    );
  });

  it('refuses PRF outputs that are not 32 bytes and PIN wraps', async () => {
    const vaultKey = generateVaultKey();
    expect(await refusal(wrapVaultKeyWithPrf(vaultKey, new Uint8Array(31), VAULT_ID))).toBe(
      'invalid_input',
    );
    const pinWrapped = await wrapVaultKeyWithSecret(vaultKey, '482916', VAULT_ID);
    expect(await refusal(unwrapVaultKeyWithPrf(pinWrapped, prfOutput(7), VAULT_ID))).toBe(
      'malformed',
    );
  });

  it('asks the authenticator for its PRF at the labelled input', () => {
    expect(new TextDecoder().decode(vaultPrfEvaluationInput())).toBe(
      VAULT_KEY_LABELS.prfEvaluation,
    );
  });
});
