import { randomUUID } from 'node:crypto';
import { generateIdentityKey, type IdentityKeyPair } from '@amtsbote/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  closeDevices,
  eventually,
  personWithDevice,
  startMessagingServer,
  type TestDevice,
} from '../client/client-fixtures.js';
import {
  answerNextClaim,
  claimEntryFor,
  deceivedPerson,
  deviceSignedBy,
  eventsOf,
  groupDeviceIds,
  type DeceivedDevice,
} from './malicious-fixtures.js';

/*
 * The server answers a key-package claim with a device of the user that the user's identity key
 * never signed (a "ghost" the server would read along with). The adding client refuses it.
 */

describe('a server that hands out devices not signed by their user', () => {
  let server: TestServer;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    server = await startMessagingServer();
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  async function annaAndBernd(): Promise<{
    anna: DeceivedDevice;
    bernd: TestDevice & { person: { userId: string } };
    forger: IdentityKeyPair;
    ghost: Awaited<ReturnType<typeof claimEntryFor>>;
  }> {
    const anna = await deceivedPerson(server, 'anna');
    const bernd = await personWithDevice(server, 'bernd');
    devices.push(anna, bernd);
    const forger = generateIdentityKey();
    const ghostDevice = deviceSignedBy(forger, {
      organizationId: anna.grant.organization.id,
      userId: bernd.person.userId,
    });
    return { anna, bernd, forger, ghost: await claimEntryFor(ghostDevice) };
  }

  it('keeps a device signed by another key than the pinned one out, and shows the key change', async () => {
    const { anna, bernd, forger, ghost } = await annaAndBernd();
    // First contact: Anna pins Bernd's identity key.
    await anna.client.createConversation({ kind: 'group', memberUserIds: [bernd.person.userId] });
    answerNextClaim(anna, (real) => [ghost, ...real]);

    const { conversationId: id } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });

    const expected = [anna.client.deviceId, bernd.client.deviceId].sort();
    expect(await groupDeviceIds(anna, id)).toEqual(expected);
    expect(eventsOf(anna, 'identity_key_changed')).toEqual([
      {
        type: 'identity_key_changed',
        userId: bernd.person.userId,
        pinnedKey: bernd.client.identityPublicKey,
        presentedKey: forger.publicKey,
      },
    ]);
    await eventually(
      () => bernd.client.conversation(id),
      (summary) => summary !== null,
      'Bernd joining',
    );
    expect(await groupDeviceIds(bernd, id)).toEqual(expected);
  });

  it('adds nobody when a first-contact claim mixes the user’s device with a ghost', async () => {
    const { anna, bernd, ghost } = await annaAndBernd();
    // Nothing pinned yet, and the ghost comes first: it must not win by trust on first use.
    answerNextClaim(anna, (real) => [ghost, ...real]);

    await expect(
      anna.client.createConversation({ kind: 'group', memberUserIds: [bernd.person.userId] }),
    ).rejects.toMatchObject({
      code: 'member_rejected',
      rejections: [{ reason: 'conflicting_identity_keys', userId: bernd.person.userId }],
    });

    const [refused] = await anna.client.listConversations();
    expect(refused).toMatchObject({ epoch: 0, members: [{ deviceId: anna.client.deviceId }] });
    // Nothing was pinned: with the server honest again, Bernd's real device is added.
    const { conversationId: id } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    expect(await groupDeviceIds(anna, id)).toEqual(
      [anna.client.deviceId, bernd.client.deviceId].sort(),
    );
    expect(eventsOf(anna, 'identity_key_changed')).toEqual([]);
  });

  it('adds nobody when a ghost is filed under another device id than its credential names', async () => {
    const { anna, bernd, ghost } = await annaAndBernd();
    await anna.client.createConversation({ kind: 'group', memberUserIds: [bernd.person.userId] });
    answerNextClaim(anna, (real) => [...real, { ...ghost, deviceId: randomUUID() }]);

    await expect(
      anna.client.createConversation({ kind: 'group', memberUserIds: [bernd.person.userId] }),
    ).rejects.toMatchObject({
      code: 'member_rejected',
      rejections: [{ reason: 'identity_key_changed', userId: bernd.person.userId }],
    });

    const conversations = await anna.client.listConversations();
    expect(conversations.map((c) => c.members.length).sort()).toEqual([1, 2]);
    expect(eventsOf(anna, 'identity_key_changed')).toHaveLength(1);
  });
});
