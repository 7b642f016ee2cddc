import {
  MLS_CIPHERSUITES,
  base64urlDecode,
  base64urlEncode,
  createGroup,
  generateIdentityKey,
  groupIdFromConversationId,
} from '@amtsbote/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  closeDevices,
  eventually,
  personWithDevice,
  startMessagingServer,
  type TestDevice,
} from '../client/client-fixtures.js';
import { attackerAuth } from './attacker.js';
import {
  claimWith,
  deceivedDevice,
  deviceSignedBy,
  eventsOf,
  groupDeviceIds,
} from './malicious-fixtures.js';

/*
 * A user's new device joins the user's conversations by external commit, built on the group
 * info the server serves. The server serves one of its own making instead: a group under the
 * conversation's id whose "Anna" is a device her identity key never signed, so that what her
 * new device sends goes to a group the server reads. The new device refuses to join it.
 */

describe('a server that serves a forged group info for an external join', () => {
  let server: TestServer;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    server = await startMessagingServer();
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  it('has a new device refuse a group holding a device its user never signed', async () => {
    const anna = await personWithDevice(server, 'anna');
    const bernd = await personWithDevice(server, 'bernd', { isLive: false });
    devices.push(anna, bernd);
    const { conversationId: id } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    await bernd.client.sync();
    const organizationId = anna.grant.organization.id;

    // The server's own group: a ghost of Anna, and Bernd by one of his real key packages.
    const ghost = deviceSignedBy(generateIdentityKey(), {
      organizationId,
      userId: anna.person.userId,
    });
    const fake = await createGroup({
      groupId: groupIdFromConversationId(id),
      ciphersuite: MLS_CIPHERSUITES.xwing,
      device: ghost,
      authService: attackerAuth(organizationId),
    });
    const [berndsPackage] = await claimWith(server, anna.grant, [bernd.person.userId]);
    const added = await fake.commitAdd([base64urlDecode(berndsPackage!.keyPackage)]);
    const forged = {
      epoch: added.newGroup.epoch,
      groupInfo: base64urlEncode(added.groupInfo),
      ratchetTree: base64urlEncode(added.ratchetTree),
    };

    const phone = await deceivedDevice(server, anna.person, {
      approvedBy: anna,
      before: (tampering) => {
        tampering.onResponse('GET', /^\/api\/conversations\/[^/]+\/group-info$/, () => forged, 1);
      },
    });
    devices.push(phone);

    expect(eventsOf(phone, 'engine_error')).toMatchObject([
      { task: 'reconcile', code: 'member_rejected' },
    ]);
    expect(eventsOf(phone, 'identity_key_changed')).toMatchObject([
      { userId: anna.person.userId, presentedKey: ghost.credential.identityPublicKey },
    ]);
    expect(await phone.client.conversation(id)).toBeNull();
    await bernd.client.sync();
    expect((await bernd.client.conversation(id))?.epoch).toBe(1);

    // With the real group info, the next reconcile joins the real group.
    await phone.client.sync();
    await eventually(
      () => groupDeviceIds(phone, id),
      (ids) => ids.includes(phone.client.deviceId),
      'the phone joining',
    );
    expect(await groupDeviceIds(phone, id)).toEqual(
      [anna.client.deviceId, bernd.client.deviceId, phone.client.deviceId].sort(),
    );
  });
});
