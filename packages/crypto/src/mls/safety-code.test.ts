import { describe, expect, it } from 'vitest';
import { generateIdentityKey } from './identity-key.js';
import { SafetyCodeError, computeSafetyCode, type SafetyCodeParty } from './safety-code.js';

function party(): SafetyCodeParty {
  return { userId: crypto.randomUUID(), identityPublicKey: generateIdentityKey().publicKey };
}

describe('computeSafetyCode', () => {
  it('renders 12 groups of 5 digits', async () => {
    expect(await computeSafetyCode(party(), party())).toMatch(/^\d{5}( \d{5}){11}$/);
  });

  it('is the same for both parties', async () => {
    const alice = party();
    const bob = party();
    expect(await computeSafetyCode(alice, bob)).toBe(await computeSafetyCode(bob, alice));
  });

  it('is deterministic', async () => {
    const alice = party();
    const bob = party();
    expect(await computeSafetyCode(alice, bob)).toBe(await computeSafetyCode(alice, bob));
  });

  it('changes when either identity key changes', async () => {
    const alice = party();
    const bob = party();
    const code = await computeSafetyCode(alice, bob);
    const newBob = { ...bob, identityPublicKey: generateIdentityKey().publicKey };
    expect(await computeSafetyCode(alice, newBob)).not.toBe(code);
    const newAlice = { ...alice, identityPublicKey: generateIdentityKey().publicKey };
    expect(await computeSafetyCode(newAlice, bob)).not.toBe(code);
  });

  it('changes when the keys are shown under each other’s user ids', async () => {
    const alice = party();
    const bob = party();
    const swapped = await computeSafetyCode(
      { userId: alice.userId, identityPublicKey: bob.identityPublicKey },
      { userId: bob.userId, identityPublicKey: alice.identityPublicKey },
    );
    expect(swapped).not.toBe(await computeSafetyCode(alice, bob));
  });

  it('keeps one half per party, so a key change alters only that party’s half', async () => {
    const alice = party();
    const bob = party();
    const carol = party();
    const groups = (code: string): string[] => code.split(' ');
    const withBob = groups(await computeSafetyCode(alice, bob));
    const withCarol = groups(await computeSafetyCode(alice, carol));
    const halves = (g: string[]): string[] => [g.slice(0, 6).join(''), g.slice(6).join('')];
    const shared = halves(withBob).filter((h) => halves(withCarol).includes(h));
    expect(shared).toHaveLength(1);
  });

  it('refuses a user id that is not a UUID and a key that is not an Ed25519 key', async () => {
    const alice = party();
    await expect(computeSafetyCode({ ...alice, userId: 'alice' }, party())).rejects.toBeInstanceOf(
      SafetyCodeError,
    );
    await expect(
      computeSafetyCode({ ...alice, identityPublicKey: new Uint8Array(31) }, party()),
    ).rejects.toMatchObject({ code: 'invalid_safety_code_input' });
  });
});
