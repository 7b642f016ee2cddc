import { describe, expect, it } from 'vitest';
import { MLS_CIPHERSUITES, type MlsCiphersuiteId } from './ciphersuite.js';
import { joinExternal } from './group-join.js';
import { generateIdentityKey } from './identity-key.js';
import type { AddCommitResult } from './mls-group.js';
import {
  groupOf,
  keyPackageOf,
  newClient,
  newUser,
  text,
  type TestClient,
} from './test-fixtures.js';

/** Alice (two devices: only the first in the group yet) and Bob; the last commit's public state. */
async function conversation(ciphersuite: MlsCiphersuiteId) {
  const alice = newUser();
  const [aliceLaptop, bob, carol] = [newClient(alice), newClient(), newClient()];
  const [laptopGroup, bobGroup] = await groupOf(ciphersuite, [aliceLaptop, bob]);
  // Any commit publishes GroupInfo and tree; adding Carol gives us a fresh one to join from.
  const add: AddCommitResult = await laptopGroup!.commitAdd([
    await keyPackageOf(carol, ciphersuite),
  ]);
  const bobAfter = await bobGroup!.process(add.commit);
  return { alice, aliceLaptop, bob, laptop: add.newGroup, bobGroup: bobAfter.newGroup, add };
}

function join(client: TestClient, add: AddCommitResult) {
  return joinExternal({
    groupInfo: add.groupInfo,
    ratchetTree: add.ratchetTree,
    device: client.device,
    authService: client.auth,
  });
}

describe('MLS external join', () => {
  it('lets a user’s new device join by itself; members accept it and it reads and sends (X-Wing)', async () => {
    const { alice, laptop, bobGroup, add } = await conversation(MLS_CIPHERSUITES.xwing);
    const phone = newClient(alice);
    const joined = await join(phone, add);
    expect(joined.epoch).toBe(2);
    expect(joined.newGroup.epoch).toBe(3);

    const bobResult = await bobGroup.process(joined.commit);
    if (bobResult.kind !== 'commit') throw new Error('expected a commit');
    expect(bobResult.added.map((m) => m.deviceId)).toEqual([phone.device.credential.deviceId]);
    expect(bobResult.committer?.deviceId).toBe(phone.device.credential.deviceId);
    const laptopResult = await laptop.process(joined.commit);

    const hello = await joined.newGroup.encrypt(text('vom neuen Telefon'));
    expect(await bobResult.newGroup.process(hello.bytes)).toMatchObject({
      kind: 'application',
      sender: { userId: alice.userId, deviceId: phone.device.credential.deviceId },
    });
    const reply = await bobResult.newGroup.encrypt(text('willkommen'));
    expect(await joined.newGroup.process(reply.bytes)).toMatchObject({ kind: 'application' });
    expect(await laptopResult.newGroup.process(reply.bytes)).toMatchObject({ kind: 'application' });
  });

  it('has members refuse an external join by a user with no device in the group', async () => {
    const { bobGroup, add } = await conversation(MLS_CIPHERSUITES.classic);
    const stranger = newClient();
    const joined = await join(stranger, add);
    await expect(bobGroup.process(joined.commit)).rejects.toMatchObject({
      code: 'external_join_refused',
    });
  });

  it('admits a user with no device in the group only when the caller’s policy does', async () => {
    const { bobGroup, add } = await conversation(MLS_CIPHERSUITES.classic);
    const dora = newClient();
    const joined = await join(dora, add);
    const asked: string[] = [];
    const policy = (isAdmitted: boolean) => ({
      admitsNewUser: (joiner: { userId: string; deviceId: string }) => {
        asked.push(joiner.deviceId);
        return Promise.resolve(isAdmitted);
      },
    });
    await expect(bobGroup.process(joined.commit, policy(false))).rejects.toMatchObject({
      code: 'external_join_refused',
    });
    const admitted = await bobGroup.process(joined.commit, policy(true));
    if (admitted.kind !== 'commit') throw new Error('expected a commit');
    expect(admitted.added.map((m) => m.userId)).toEqual([dora.user.userId]);
    expect(asked).toEqual([dora.device.credential.deviceId, dora.device.credential.deviceId]);
  });

  it('does not ask the policy about a further device of a user in the group', async () => {
    const { alice, bobGroup, add } = await conversation(MLS_CIPHERSUITES.classic);
    const joined = await join(newClient(alice), add);
    const result = await bobGroup.process(joined.commit, {
      admitsNewUser: () => Promise.reject(new Error('must not be asked')),
    });
    expect(result.kind).toBe('commit');
  });

  it('publishes the new epoch’s group info, so the next device joins after it', async () => {
    const { alice, bobGroup, add } = await conversation(MLS_CIPHERSUITES.classic);
    const phone = await join(newClient(alice), add);
    const bobAfterPhone = await bobGroup.process(phone.commit);
    const tabletClient = newClient(alice);
    const tablet = await joinExternal({
      groupInfo: phone.groupInfo,
      ratchetTree: phone.ratchetTree,
      device: tabletClient.device,
      authService: tabletClient.auth,
    });
    expect(tablet.epoch).toBe(3);
    const result = await bobAfterPhone.newGroup.process(tablet.commit);
    expect(result).toMatchObject({ kind: 'commit', newEpoch: 4 });
  });

  it('has members refuse a device of a member user signed by another identity key', async () => {
    const { alice, bob, bobGroup, add } = await conversation(MLS_CIPHERSUITES.classic);
    const ghost = newClient(alice, { identityKey: generateIdentityKey() });
    const joined = await join(ghost, add);
    await expect(bobGroup.process(joined.commit)).rejects.toMatchObject({
      code: 'member_rejected',
      rejections: [{ reason: 'identity_key_changed', userId: alice.userId }],
    });
    expect(bob.keyChanges.map((c) => c.userId)).toEqual([alice.userId]);
  });

  it('refuses to join a group it is already in, or another group than expected', async () => {
    const { aliceLaptop, add } = await conversation(MLS_CIPHERSUITES.classic);
    await expect(join(aliceLaptop, add)).rejects.toMatchObject({ code: 'invalid_request' });
    const phone = newClient(aliceLaptop.user);
    await expect(
      joinExternal({
        groupInfo: add.groupInfo,
        ratchetTree: add.ratchetTree,
        device: phone.device,
        authService: phone.auth,
        expectedGroupId: new Uint8Array(16),
      }),
    ).rejects.toMatchObject({ code: 'wrong_group' });
  });

  it('refuses a GroupInfo whose tree does not match', async () => {
    const { alice, add } = await conversation(MLS_CIPHERSUITES.classic);
    const other = await conversation(MLS_CIPHERSUITES.classic);
    const phone = newClient(alice);
    await expect(
      joinExternal({
        groupInfo: add.groupInfo,
        ratchetTree: other.add.ratchetTree,
        device: phone.device,
        authService: phone.auth,
      }),
    ).rejects.toMatchObject({ code: 'group_info_rejected' });
    expect(await phone.pins.get(alice.userId)).toBeNull();
  });
});
