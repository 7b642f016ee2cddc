import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStoreError } from '../local-store-error.js';
import { Vault } from './vault.js';
import { VaultError } from './vault-error.js';
import type { VaultOptions } from './vault-input.js';

const PIN = '482916';
const WRONG_PIN = '000000';
/** A fixed passkey PRF output: the test stands in for the authenticator. */
const PRF_OUTPUT = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
const CREDENTIAL_ID = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A clock that moves only when the test says so. */
function testClock(): { now: () => number; advance: (ms: number) => void } {
  let nowMs = Date.UTC(2026, 0, 15, 9, 0, 0);
  return {
    now: () => nowMs,
    advance: (ms) => {
      nowMs += ms;
    },
  };
}

async function databaseNames(): Promise<(string | undefined)[]> {
  return (await indexedDB.databases()).map((database) => database.name);
}

async function refusal(promise: Promise<unknown>): Promise<VaultError> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VaultError);
  return error as VaultError;
}

function includesBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let at = 0; at + needle.length <= haystack.length; at++) {
    for (let i = 0; i < needle.length; i++) if (haystack[at + i] !== needle[i]) continue outer;
    return true;
  }
  return false;
}

describe('Vault', () => {
  const names: string[] = [];
  const options = (overrides: Partial<VaultOptions> = {}): VaultOptions & { pin: string } => {
    const name = `vault-${globalThis.crypto.randomUUID()}`;
    names.push(name);
    return { name, now: testClock().now, pin: PIN, ...overrides };
  };

  afterEach(async () => {
    await Promise.all(names.splice(0).map((name) => Vault.wipe(name)));
  });

  it('creates an unlocked vault whose store keeps values across lock and PIN unlock', async () => {
    const created = options();
    expect(await Vault.exists(created.name)).toBe(false);
    const { vault, store } = await Vault.create(created);
    expect(await Vault.exists(created.name)).toBe(true);
    await store.put('messages', 'm1', bytes('hello'));
    await vault.lock();
    expect(vault.isUnlocked).toBe(false);
    expect(
      (await refusal(vault.addPrfUnlock({ credentialId: CREDENTIAL_ID, prfOutput: PRF_OUTPUT })))
        .code,
    ).toBe('not_unlocked');

    const reopened = await Vault.open(created);
    const unlocked = await reopened.unlockWithPin(PIN);
    expect(await unlocked.get('messages', 'm1')).toEqual(bytes('hello'));
    expect((await refusal(reopened.unlockWithPin(PIN))).code).toBe('already_unlocked');
    await reopened.lock();
  });

  it('refuses a second vault of the same name, and opening one that does not exist', async () => {
    const created = options();
    await (await Vault.create(created)).vault.lock();
    expect((await refusal(Vault.create(created))).code).toBe('vault_exists');
    expect((await refusal(Vault.open(options()))).code).toBe('vault_not_found');
    expect((await refusal(Vault.open({ ...options(), name: 'x-meta' }))).code).toBe(
      'invalid_input',
    );
  });

  it('refuses a wrong PIN, counts it, and a correct PIN resets the count', async () => {
    const created = options();
    const { vault } = await Vault.create(created);
    await vault.lock();
    const wrong = await refusal(vault.unlockWithPin(WRONG_PIN));
    expect(wrong.code).toBe('wrong_pin');
    expect(wrong.attemptsLeft).toBe(9);
    expect(wrong.retryAfterMs).toBe(0);
    expect((await vault.status()).failedAttempts).toBe(1);
    expect((await refusal(vault.unlockWithPin(''))).code).toBe('invalid_input');
    expect((await vault.status()).failedAttempts).toBe(1);
    await vault.unlockWithPin(PIN);
    expect(await vault.status()).toMatchObject({ failedAttempts: 0, lockedUntilMs: null });
    await vault.lock();
  });

  it('makes each attempt after the third failure wait longer, measured by the given clock', async () => {
    const clock = testClock();
    const { vault } = await Vault.create({ ...options(), now: clock.now });
    await vault.lock();
    for (let failure = 1; failure <= 3; failure++) {
      expect((await refusal(vault.unlockWithPin(WRONG_PIN))).retryAfterMs).toBe(0);
    }
    const fourth = await refusal(vault.unlockWithPin(WRONG_PIN));
    expect(fourth).toMatchObject({ code: 'wrong_pin', retryAfterMs: 2_000, attemptsLeft: 6 });

    // Even the right PIN is refused before the time is up, and the refusal costs no attempt.
    expect(await refusal(vault.unlockWithPin(PIN))).toMatchObject({
      code: 'vault_locked_out',
      retryAfterMs: 2_000,
    });
    clock.advance(1_500);
    expect((await refusal(vault.unlockWithPin(PIN))).retryAfterMs).toBe(500);
    expect((await vault.status()).failedAttempts).toBe(4);

    clock.advance(500);
    expect((await refusal(vault.unlockWithPin(WRONG_PIN))).retryAfterMs).toBe(4_000);
    clock.advance(3_999);
    expect((await refusal(vault.unlockWithPin(PIN))).code).toBe('vault_locked_out');
    clock.advance(1);
    const store = await vault.unlockWithPin(PIN);
    expect(await vault.status()).toMatchObject({ failedAttempts: 0, lockedUntilMs: null });
    await store.close();
    await vault.lock();
  });

  it('counts attempts made at the same time from two tabs', async () => {
    const created = options();
    await (await Vault.create(created)).vault.lock();
    const tabs = [await Vault.open(created), await Vault.open(created)];
    const results = await Promise.allSettled([
      tabs[0]!.unlockWithPin(WRONG_PIN),
      tabs[1]!.unlockWithPin('111111'),
      tabs[1]!.unlockWithPin('222222'),
    ]);
    expect(results.every((result) => result.status === 'rejected')).toBe(true);
    expect((await tabs[0]!.status()).failedAttempts).toBe(3);
  });

  it('wipes both databases when the last allowed PIN attempt fails', async () => {
    const clock = testClock();
    const created = { ...options(), now: clock.now };
    const { vault, store } = await Vault.create(created);
    await store.put('groups', 'g1', bytes('state'));
    await vault.lock();
    expect(await databaseNames()).toEqual(
      expect.arrayContaining([created.name, `${created.name}-meta`]),
    );
    for (let failure = 1; failure < 10; failure++) {
      const error = await refusal(vault.unlockWithPin(WRONG_PIN));
      expect(error).toMatchObject({ code: 'wrong_pin', attemptsLeft: 10 - failure });
      clock.advance(error.retryAfterMs ?? 0);
    }
    expect((await refusal(vault.unlockWithPin(WRONG_PIN))).code).toBe('vault_wiped');
    const remaining = await databaseNames();
    expect(remaining).not.toContain(created.name);
    expect(remaining).not.toContain(`${created.name}-meta`);
    expect(await Vault.exists(created.name)).toBe(false);
    expect((await refusal(vault.unlockWithPin(PIN))).code).toBe('vault_not_found');
  });

  it('unlocks with a passkey PRF output, also while PIN attempts are locked out', async () => {
    const clock = testClock();
    const created = { ...options(), now: clock.now, maxFailedAttempts: 6 };
    const { vault, store } = await Vault.create(created);
    await store.put('profile', 'p', bytes('profile'));
    await vault.addPrfUnlock({ credentialId: CREDENTIAL_ID, prfOutput: PRF_OUTPUT });
    expect((await vault.status()).prfCredentialId).toEqual(CREDENTIAL_ID);
    await vault.lock();

    const otherOutput = PRF_OUTPUT.map((byte) => byte ^ 0xff);
    expect((await refusal(vault.unlockWithPrf(otherOutput))).code).toBe('wrong_passkey');
    expect((await refusal(vault.unlockWithPrf(new Uint8Array(31)))).code).toBe('invalid_input');
    for (let failure = 1; failure <= 4; failure++) await refusal(vault.unlockWithPin(WRONG_PIN));
    expect((await refusal(vault.unlockWithPin(PIN))).code).toBe('vault_locked_out');

    const unlocked = await vault.unlockWithPrf(PRF_OUTPUT);
    expect(await unlocked.get('profile', 'p')).toEqual(bytes('profile'));
    expect((await vault.status()).failedAttempts).toBe(0);
    await vault.removePrfUnlock();
    await vault.lock();
    expect((await refusal(vault.unlockWithPrf(PRF_OUTPUT))).code).toBe('passkey_not_enrolled');
  });

  it('changes the PIN while unlocked: the old one is refused, the new one opens the store', async () => {
    const { vault, store } = await Vault.create(options());
    await store.put('pins', 'u1', bytes('pinned key'));
    await vault.changePin('new passphrase');
    await vault.lock();
    expect((await refusal(vault.unlockWithPin(PIN))).code).toBe('wrong_pin');
    const unlocked = await vault.unlockWithPin('new passphrase');
    expect(await unlocked.get('pins', 'u1')).toEqual(bytes('pinned key'));
    await vault.lock();
  });

  it('keeps only ciphertext in IndexedDB', async () => {
    const created = options();
    const { vault, store } = await Vault.create(created);
    const plaintext = bytes('Bescheid über die Baugenehmigung Nr. 4711');
    await store.put('messages', 'c1/0001', plaintext);
    await vault.addPrfUnlock({ credentialId: CREDENTIAL_ID, prfOutput: PRF_OUTPUT });
    await vault.lock();

    const raw = await openDB(created.name);
    const values: unknown[] = [];
    for (const storeName of raw.objectStoreNames) {
      const found: unknown[] = await raw.getAll(storeName);
      values.push(...found);
    }
    raw.close();
    expect(values).toHaveLength(1);
    const sealed = values[0] as Uint8Array;
    expect(sealed).toBeInstanceOf(Uint8Array);
    expect(sealed.length).toBeGreaterThan(plaintext.length);
    expect(includesBytes(sealed, plaintext)).toBe(false);
    expect(includesBytes(sealed, plaintext.subarray(0, 8))).toBe(false);

    // The record holds the key only wrapped, and neither the PIN nor the PRF output.
    const rawMeta = await openDB(`${created.name}-meta`);
    const record = (await rawMeta.get('meta', 'vault')) as {
      wraps: { pin: Uint8Array; prf: { wrap: Uint8Array } };
    };
    rawMeta.close();
    for (const wrap of [record.wraps.pin, record.wraps.prf.wrap]) {
      expect(includesBytes(wrap, PRF_OUTPUT)).toBe(false);
      expect(includesBytes(wrap, bytes(PIN))).toBe(false);
    }
  });

  it('refuses a damaged record as vault_corrupt, and still reports the vault as existing', async () => {
    const created = options();
    await (await Vault.create(created)).vault.lock();
    const rawMeta = await openDB(`${created.name}-meta`);
    const record = (await rawMeta.get('meta', 'vault')) as Record<string, unknown>;
    await rawMeta.put('meta', { ...record, failedAttempts: -1 }, 'vault');
    rawMeta.close();
    const error = await refusal(Vault.open(created));
    expect(error.code).toBe('vault_corrupt');
    expect(error.message).toContain('failedAttempts');
    expect(await Vault.exists(created.name)).toBe(true);
  });

  it('wipes a vault whose store is open: the store closes and refuses later calls', async () => {
    const created = options();
    const { store } = await Vault.create(created);
    await store.put('messages', 'm1', bytes('x'));
    await Vault.wipe(created.name);
    const remaining = await databaseNames();
    expect(remaining).not.toContain(created.name);
    expect(remaining).not.toContain(`${created.name}-meta`);
    const error: unknown = await store.get('messages', 'm1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalStoreError);
    expect((error as LocalStoreError).code).toBe('closed');
  });
});
