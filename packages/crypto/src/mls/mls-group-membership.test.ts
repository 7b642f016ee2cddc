import { describe, expect, it } from 'vitest';
import { MLS_CIPHERSUITES } from './ciphersuite.js';
import { joinFromWelcome } from './group-join.js';
import { generateKeyPackages } from './key-packages.js';
import {
  groupOf,
  keyPackageOf,
  newClient,
  readText,
  text,
  type TestClient,
} from './test-fixtures.js';

const CLASSIC = MLS_CIPHERSUITES.classic;

async function join(client: TestClient, welcome: Uint8Array, ratchetTree: Uint8Array) {
  return joinFromWelcome({
    welcome,
    ratchetTree,
    keyPackages: client.keyPackages,
    device: client.device,
    authService: client.auth,
  });
}

describe('MLS group add', () => {
  it('adds a device that then reads and sends, and existing members learn who was added', async () => {
    const [alice, bob] = await groupOf(MLS_CIPHERSUITES.xwing, [newClient(), newClient()]);
    const carol = newClient();
    const add = await alice!.commitAdd([await keyPackageOf(carol, MLS_CIPHERSUITES.xwing)]);
    expect(add.epoch).toBe(1);
    expect(add.added.map((m) => m.deviceId)).toEqual([carol.device.credential.deviceId]);
    const bobResult = await bob!.process(add.commit);
    expect(bobResult).toMatchObject({ kind: 'commit', newEpoch: 2, removed: [] });
    if (bobResult.kind !== 'commit') throw new Error('expected a commit');
    expect(bobResult.added.map((m) => m.userId)).toEqual([carol.user.userId]);
    expect(bobResult.committer?.deviceId).toBe(alice!.members()[0]!.deviceId);
    const carolGroup = await join(carol, add.welcome, add.ratchetTree);
    expect(carolGroup.epoch).toBe(2);
    const { bytes } = await carolGroup.encrypt(text('Hallo zusammen'));
    const read = await bobResult.newGroup.process(bytes);
    expect(read).toMatchObject({ kind: 'application', plaintext: text('Hallo zusammen') });
    const fromAlice = await add.newGroup.encrypt(text('Willkommen'));
    expect(await carolGroup.process(fromAlice.bytes)).toMatchObject({ kind: 'application' });
  });

  it('refuses an empty add and a key package of another ciphersuite', async () => {
    const [alice] = await groupOf(CLASSIC, [newClient()]);
    await expect(alice!.commitAdd([])).rejects.toMatchObject({ code: 'invalid_request' });
    const xwingPackage = await keyPackageOf(newClient(), MLS_CIPHERSUITES.xwing);
    await expect(alice!.commitAdd([xwingPackage])).rejects.toMatchObject({
      code: 'unsupported_ciphersuite',
    });
  });

  it('refuses bytes that are not a key package', async () => {
    const [alice] = await groupOf(CLASSIC, [newClient()]);
    await expect(alice!.commitAdd([text('not a key package')])).rejects.toMatchObject({
      code: 'malformed_message',
    });
  });
});

describe('MLS group remove', () => {
  it('removes a device, which cannot decrypt messages sent after its removal', async () => {
    const clients = [newClient(), newClient(), newClient()];
    const [alice, bob, carol] = await groupOf(CLASSIC, clients);
    const carolId = clients[2]!.device.credential.deviceId;
    const remove = await alice!.commitRemove([carolId]);
    expect(remove.removed.map((m) => m.deviceId)).toEqual([carolId]);
    const bobAfter = await bob!.process(remove.commit);
    expect(bobAfter).toMatchObject({ kind: 'commit', isSelfRemoved: false });
    const carolAfter = await carol!.process(remove.commit);
    expect(carolAfter).toMatchObject({ kind: 'commit', isSelfRemoved: true });
    expect(carolAfter.newGroup.isRemoved).toBe(true);
    if (carolAfter.kind !== 'commit') throw new Error('expected a commit');
    expect(carolAfter.removed.map((m) => m.deviceId)).toEqual([carolId]);

    const secret = await remove.newGroup.encrypt(text('ohne Carol'));
    const bobRead = await bobAfter.newGroup.process(secret.bytes);
    expect(bobRead.kind === 'application' && readText(bobRead.plaintext)).toBe('ohne Carol');
    // With the commit processed, and without it (still in the old epoch): no plaintext either way.
    await expect(carolAfter.newGroup.process(secret.bytes)).rejects.toMatchObject({
      code: 'removed_from_group',
    });
    await expect(carol!.process(secret.bytes)).rejects.toMatchObject({ code: 'future_epoch' });
    await expect(carolAfter.newGroup.encrypt(text('x'))).rejects.toMatchObject({
      code: 'removed_from_group',
    });
    expect(bobAfter.newGroup.members().map((m) => m.deviceId)).not.toContain(carolId);
  });

  it('refuses to remove an unknown device or itself', async () => {
    const clients = [newClient(), newClient()];
    const [alice] = await groupOf(CLASSIC, clients);
    await expect(alice!.commitRemove([crypto.randomUUID()])).rejects.toMatchObject({
      code: 'unknown_member',
    });
    await expect(
      alice!.commitRemove([clients[0]!.device.credential.deviceId]),
    ).rejects.toMatchObject({ code: 'invalid_request' });
  });
});

describe('key packages and Welcome', () => {
  it('deletes a one-time key package once its Welcome was joined', async () => {
    const [alice] = await groupOf(CLASSIC, [newClient()]);
    const bob = newClient();
    const add = await alice!.commitAdd([await keyPackageOf(bob, CLASSIC)]);
    expect(bob.keyPackages.size).toBe(1);
    await join(bob, add.welcome, add.ratchetTree);
    expect(bob.keyPackages.size).toBe(0);
    await expect(join(bob, add.welcome, add.ratchetTree)).rejects.toMatchObject({
      code: 'welcome_not_for_us',
    });
  });

  it('keeps a last-resort key package, which joins a second group as well', async () => {
    const bob = newClient();
    const [lastResort] = await generateKeyPackages(bob.device, 1, {
      ciphersuite: CLASSIC,
      lastResort: true,
      store: bob.keyPackages,
    });
    for (let i = 0; i < 2; i++) {
      const [alice] = await groupOf(CLASSIC, [newClient()]);
      const add = await alice!.commitAdd([lastResort!]);
      const group = await join(bob, add.welcome, add.ratchetTree);
      expect(group.members()).toHaveLength(2);
    }
    expect(bob.keyPackages.size).toBe(1);
  });

  it('refuses a Welcome for someone else with a typed error and changes nothing', async () => {
    const [alice] = await groupOf(CLASSIC, [newClient()]);
    const bob = newClient();
    const eve = newClient();
    await keyPackageOf(eve, CLASSIC);
    const add = await alice!.commitAdd([await keyPackageOf(bob, CLASSIC)]);
    await expect(join(eve, add.welcome, add.ratchetTree)).rejects.toMatchObject({
      code: 'welcome_not_for_us',
    });
    expect(eve.keyPackages.size).toBe(1);
    expect(await eve.pins.get(newClient().user.userId)).toBeNull();
    const bobGroup = await join(bob, add.welcome, add.ratchetTree);
    expect(bobGroup.epoch).toBe(1);
  });

  it('refuses a Welcome into another group than expected', async () => {
    const [alice] = await groupOf(CLASSIC, [newClient()]);
    const bob = newClient();
    const add = await alice!.commitAdd([await keyPackageOf(bob, CLASSIC)]);
    await expect(
      joinFromWelcome({
        welcome: add.welcome,
        ratchetTree: add.ratchetTree,
        keyPackages: bob.keyPackages,
        device: bob.device,
        authService: bob.auth,
        expectedGroupId: new Uint8Array(16),
      }),
    ).rejects.toMatchObject({ code: 'wrong_group' });
    expect(bob.keyPackages.size).toBe(1);
  });

  it('refuses a Welcome with a ratchet tree that does not match', async () => {
    const [alice] = await groupOf(CLASSIC, [newClient()]);
    const [other] = await groupOf(CLASSIC, [newClient(), newClient()]);
    const bob = newClient();
    const add = await alice!.commitAdd([await keyPackageOf(bob, CLASSIC)]);
    const otherAdd = await other!.commitAdd([await keyPackageOf(newClient(), CLASSIC)]);
    await expect(join(bob, add.welcome, otherAdd.ratchetTree)).rejects.toMatchObject({
      code: 'welcome_rejected',
    });
    expect(bob.keyPackages.size).toBe(1);
    expect(await bob.pins.get(other!.members()[0]!.userId)).toBeNull();
  });
});
