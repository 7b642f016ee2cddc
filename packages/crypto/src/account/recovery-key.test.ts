import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  RECOVERY_KEY_BITS,
  RecoveryKeyError,
  generateRecoveryKey,
  openUserSecretsWithRecoveryKey,
  parseRecoveryKey,
  sealUserSecretsWithRecoveryKey,
} from './recovery-key.js';
import { generateUserSecrets } from './user-secrets.js';

async function reasonOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(RecoveryKeyError);
    return (error as RecoveryKeyError).reason;
  }
}

describe('recovery key', () => {
  it('carries at least 128 bits and reads as seven groups of four', () => {
    expect(RECOVERY_KEY_BITS).toBeGreaterThanOrEqual(128);
    const key = generateRecoveryKey();
    expect(key.text).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){6}$/);
    expect(generateRecoveryKey().text).not.toBe(key.text);
    expect(parseRecoveryKey(key.text.toLowerCase().replaceAll('-', ' '))).toEqual(key);
  });

  it('opens the user secrets it sealed for the same user', async () => {
    const userId = randomUUID();
    const secrets = generateUserSecrets();
    const key = generateRecoveryKey();
    const sealed = await sealUserSecretsWithRecoveryKey(key, secrets, userId);
    const opened = await openUserSecretsWithRecoveryKey(parseRecoveryKey(key.text), sealed, userId);
    expect(opened.identityKey.privateKey).toEqual(secrets.identityKey.privateKey);
    expect(opened.historyKey).toEqual(secrets.historyKey);
  });

  it('refuses another key, another user and changed bytes as a wrong key', async () => {
    const userId = randomUUID();
    const key = generateRecoveryKey();
    const sealed = await sealUserSecretsWithRecoveryKey(key, generateUserSecrets(), userId);
    expect(
      await reasonOf(() => openUserSecretsWithRecoveryKey(generateRecoveryKey(), sealed, userId)),
    ).toBe('wrong_key');
    expect(await reasonOf(() => openUserSecretsWithRecoveryKey(key, sealed, randomUUID()))).toBe(
      'wrong_key',
    );
    const changed = sealed.slice();
    changed[20] = (changed[20] ?? 0) ^ 1;
    expect(await reasonOf(() => openUserSecretsWithRecoveryKey(key, changed, userId))).toBe(
      'wrong_key',
    );
  });

  it('calls a typo mistyped, before any decryption', async () => {
    const text = generateRecoveryKey().text;
    const typo = (text.startsWith('A') ? 'B' : 'A') + text.slice(1);
    expect(await reasonOf(() => Promise.resolve(parseRecoveryKey(typo)))).toBe('mistyped');
    expect(await reasonOf(() => Promise.resolve(parseRecoveryKey('kein Schlüssel')))).toBe(
      'mistyped',
    );
  });
});
