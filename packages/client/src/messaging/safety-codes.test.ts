import { computeSafetyCode, generateIdentityKey } from '@amtsbote/crypto';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory-store.js';
import { SafetyCodes } from './safety-codes.js';
import { StoredIdentityKeyPins } from './stored-identity-key-pins.js';

const ANNA = '00000000-0000-4000-8000-00000000000a';
const BERND = '00000000-0000-4000-8000-00000000000b';

/** One user's device: its store, the pins in it and the safety codes from them. */
function deviceOf(userId: string, identityPublicKey: Uint8Array) {
  const store = new MemoryStore();
  const own = { userId, identityPublicKey };
  const pins = new StoredIdentityKeyPins(store, own);
  return { store, pins, codes: new SafetyCodes(pins, own) };
}

async function codeOf(codes: SafetyCodes, userId: string): Promise<string> {
  return (await codes.of(userId)).digits;
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code: string }).code;
  }
  throw new Error('expected a refusal');
}

describe('SafetyCodes', () => {
  const annaKey = generateIdentityKey().publicKey;
  const berndKey = generateIdentityKey().publicKey;

  it('shows both users the same code from the keys they pinned of each other', async () => {
    const anna = deviceOf(ANNA, annaKey);
    const bernd = deviceOf(BERND, berndKey);
    await anna.pins.pin(BERND, berndKey);
    await bernd.pins.pin(ANNA, annaKey);

    const seenByAnna = await codeOf(anna.codes, BERND);
    expect(seenByAnna).toMatch(/^\d{5}( \d{5}){11}$/);
    expect(await codeOf(bernd.codes, ANNA)).toBe(seenByAnna);
    expect(seenByAnna).toBe(
      await computeSafetyCode(
        { userId: ANNA, identityPublicKey: annaKey },
        { userId: BERND, identityPublicKey: berndKey },
      ),
    );
  });

  it('shows a different code when the pinned key is not the colleague’s real one', async () => {
    const anna = deviceOf(ANNA, annaKey);
    const bernd = deviceOf(BERND, berndKey);
    await anna.pins.pin(BERND, generateIdentityKey().publicKey);
    await bernd.pins.pin(ANNA, annaKey);
    expect(await codeOf(anna.codes, BERND)).not.toBe(await codeOf(bernd.codes, ANNA));
  });

  it('keeps a colleague verified once marked, and only for the key that was compared', async () => {
    const anna = deviceOf(ANNA, annaKey);
    await anna.pins.pin(BERND, berndKey);
    expect((await anna.codes.of(BERND)).isVerified).toBe(false);

    await anna.codes.markVerified(BERND);
    expect((await anna.codes.of(BERND)).isVerified).toBe(true);
    expect(await anna.codes.isVerified(BERND)).toBe(true);

    // Another key under the same id (a restored or tampered store) is not the verified one.
    await anna.store.put('pins', BERND, generateIdentityKey().publicKey);
    expect(await anna.codes.isVerified(BERND)).toBe(false);
  });

  it('refuses a colleague whose key is not pinned yet, and the user themselves', async () => {
    const anna = deviceOf(ANNA, annaKey);
    expect(await refusal(anna.codes.of(BERND))).toBe('no_pinned_key');
    expect(await refusal(anna.codes.markVerified(BERND))).toBe('no_pinned_key');
    expect(await anna.codes.isVerified(BERND)).toBe(false);
    expect(await refusal(anna.codes.of(ANNA))).toBe('invalid_request');
    expect(await refusal(anna.codes.markVerified(ANNA))).toBe('invalid_request');
  });
});
