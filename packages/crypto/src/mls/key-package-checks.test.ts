import { describe, expect, it } from 'vitest';
import { MLS_CIPHERSUITES } from './ciphersuite.js';
import { generateIdentityKey } from './identity-key.js';
import { InMemoryIdentityKeyPins } from './identity-key-pins.js';
import { generateKeyPackages, type KeyPackageLifetime } from './key-packages.js';
import {
  groupOf,
  keyPackageOf,
  newAuth,
  newClient,
  newUser,
  type TestClient,
} from './test-fixtures.js';

const CLASSIC = MLS_CIPHERSUITES.classic;
const DAY_MS = 24 * 60 * 60 * 1000;

function daysFromNow(days: number): Date {
  return new Date(Date.now() + days * DAY_MS);
}

async function keyPackageWith(
  client: TestClient,
  lifetime: KeyPackageLifetime,
): Promise<Uint8Array> {
  const [keyPackage] = await generateKeyPackages(client.device, 1, {
    ciphersuite: CLASSIC,
    lastResort: false,
    store: client.keyPackages,
    lifetime,
  });
  if (keyPackage === undefined) throw new Error('no key package generated');
  return keyPackage;
}

/** Pins read from storage: each read waits for the event loop, as an encrypted store's does. */
class StoredPins extends InMemoryIdentityKeyPins {
  override async get(userId: string): Promise<Uint8Array | null> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return super.get(userId);
  }
}

/** Runs the operation and collects the rejections Node saw unhandled meanwhile. */
async function unhandledDuring(operation: () => Promise<unknown>): Promise<unknown[]> {
  const unhandled: unknown[] = [];
  const listener = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on('unhandledRejection', listener);
  try {
    await operation();
    // Node reports unhandled rejections after the microtasks of a turn: let one pass.
    await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    process.off('unhandledRejection', listener);
  }
  return unhandled;
}

describe('key packages to add', () => {
  it('refuses a batch whose first package is refused, and leaves no rejection unhandled', async () => {
    const pins = new StoredPins();
    const alice = { ...newClient(), pins, auth: newAuth(pins, []) };
    const [group] = await groupOf(CLASSIC, [alice]);
    const outsider = newClient(newUser(), {
      organizationId: '11111111-2222-4333-8444-555555555555',
    });
    const batch = [await keyPackageOf(outsider, CLASSIC), await keyPackageOf(newClient(), CLASSIC)];
    const unhandled = await unhandledDuring(async () => {
      await expect(group!.commitAdd(batch)).rejects.toMatchObject({
        code: 'member_rejected',
        rejections: [{ reason: 'wrong_organization' }],
      });
    });
    expect(unhandled).toEqual([]);
    expect(group!.epoch).toBe(0);
  });
});

describe('received commits adding refused devices', () => {
  it('refuses a commit adding two devices the pins refuse, and leaves no rejection unhandled', async () => {
    const alice = newClient();
    const pins = new StoredPins();
    const carol = { ...newClient(), pins, auth: newAuth(pins, []) };
    const [aliceGroup, carolGroup] = await groupOf(CLASSIC, [alice, carol]);
    const [bob, dora] = [newUser(), newUser()];
    await pins.pin(bob.userId, bob.identityKey.publicKey);
    await pins.pin(dora.userId, dora.identityKey.publicKey);
    // Alice has met neither, so she trusts the forged keys on first use and commits both.
    const forged = [bob, dora].map((user) =>
      newClient(user, { identityKey: generateIdentityKey() }),
    );
    const add = await aliceGroup!.commitAdd(
      await Promise.all(forged.map((client) => keyPackageOf(client, CLASSIC))),
    );
    const unhandled = await unhandledDuring(async () => {
      await expect(carolGroup!.process(add.commit)).rejects.toMatchObject({
        code: 'member_rejected',
        rejections: [
          { reason: 'identity_key_changed', userId: bob.userId },
          { reason: 'identity_key_changed', userId: dora.userId },
        ],
      });
    });
    expect(unhandled).toEqual([]);
    expect(carolGroup!.epoch).toBe(1);
    expect(await pins.get(bob.userId)).toEqual(bob.identityKey.publicKey);
  });
});

describe('key package lifetime', () => {
  it.each([
    ['expired', { notBefore: daysFromNow(-60), notAfter: daysFromNow(-30) }],
    ['not valid yet', { notBefore: daysFromNow(30), notAfter: daysFromNow(60) }],
  ] as const)('refuses to add a device by a key package that is %s', async (_case, lifetime) => {
    const alice = newClient();
    const [group] = await groupOf(CLASSIC, [alice]);
    const bob = newClient();
    await expect(group!.commitAdd([await keyPackageWith(bob, lifetime)])).rejects.toMatchObject({
      code: 'key_package_expired',
    });
    expect(group!.epoch).toBe(0);
    // Refused before any credential check: nothing of Bob was pinned.
    expect(await alice.pins.get(bob.user.userId)).toBeNull();
  });

  it('adds a device by a key package within its lifetime', async () => {
    const [group] = await groupOf(CLASSIC, [newClient()]);
    const bob = newClient();
    const keyPackage = await keyPackageWith(bob, {
      notBefore: daysFromNow(-1),
      notAfter: daysFromNow(1),
    });
    const { added } = await group!.commitAdd([keyPackage]);
    expect(added.map((m) => m.deviceId)).toEqual([bob.device.credential.deviceId]);
  });
});
