import type { ClaimedKeyPackage } from '@amtsbote/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization, createUser, login } from '../sessions/identity-fixtures.js';
import type { TestServer } from '../support/test-server.js';
import {
  closeDevices,
  personWithDevice,
  startDevice,
  startMessagingServer,
  type TestDevice,
} from '../client/client-fixtures.js';
import {
  answerNextClaim,
  claimWith,
  deceivedPerson,
  type DeceivedDevice,
} from './malicious-fixtures.js';

/*
 * The server answers a claim for Bernd with real key packages of someone else: Clara, a user
 * of the same organization nobody asked for, or a device of another organization. The adding
 * client refuses the commit, so that nobody reads along who was not meant to.
 */

const ORG_B = 'landkreis-beispiel';

describe('a server that hands out key packages of others', () => {
  let server: TestServer;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    server = await startMessagingServer();
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  async function threePeople(): Promise<{
    anna: DeceivedDevice;
    bernd: Awaited<ReturnType<typeof personWithDevice>>;
    clara: Awaited<ReturnType<typeof personWithDevice>>;
    claras: ClaimedKeyPackage;
  }> {
    const anna = await deceivedPerson(server, 'anna');
    const bernd = await personWithDevice(server, 'bernd');
    const clara = await personWithDevice(server, 'clara');
    devices.push(anna, bernd, clara);
    // One of Clara's real key packages, as the server holds them.
    const [claras] = await claimWith(server, bernd.grant, [clara.person.userId]);
    if (claras === undefined) throw new Error('Clara has no key package');
    return { anna, bernd, clara, claras };
  }

  /** Anna's refused conversation: still only her own device, at epoch 0. */
  async function expectNothingAdded(anna: DeceivedDevice): Promise<void> {
    const conversations = await anna.client.listConversations();
    expect(conversations).toHaveLength(1);
    expect(conversations[0]).toMatchObject({
      epoch: 0,
      members: [{ deviceId: anna.client.deviceId }],
    });
  }

  it('refuses a key package of another user than the claim names', async () => {
    const { anna, bernd, clara, claras } = await threePeople();
    answerNextClaim(anna, (real) =>
      real.map((entry) => ({ ...entry, keyPackage: claras.keyPackage })),
    );

    await expect(
      anna.client.createConversation({ kind: 'group', memberUserIds: [bernd.person.userId] }),
    ).rejects.toMatchObject({ code: 'key_package_mismatch' });

    await expectNothingAdded(anna);
    await clara.client.sync();
    expect(await clara.client.listConversations()).toEqual([]);
  });

  it('refuses an answer for a user who was not asked for', async () => {
    const { anna, bernd, clara, claras } = await threePeople();
    answerNextClaim(anna, () => [claras]);

    await expect(
      anna.client.createConversation({ kind: 'group', memberUserIds: [bernd.person.userId] }),
    ).rejects.toMatchObject({ code: 'key_package_mismatch' });

    await expectNothingAdded(anna);
    await clara.client.sync();
    expect(await clara.client.listConversations()).toEqual([]);
  });

  it('refuses a key package of a device in another organization', async () => {
    const anna = await deceivedPerson(server, 'anna');
    const bernd = await personWithDevice(server, 'bernd');
    devices.push(anna, bernd);
    await createOrganization(server, { slug: ORG_B, name: 'Landkreis Beispiel' });
    const password = 'Passphrase im Landkreis';
    const outsiderUser = await createUser(server, { org: ORG_B, username: 'olaf', password });
    const outsider = await startDevice(
      server,
      await login(server, { org: ORG_B, username: 'olaf', password }),
    );
    devices.push(outsider);
    const [foreign] = await claimWith(server, outsider.grant, [outsiderUser.id]);
    if (foreign === undefined) throw new Error('the outsider has no key package');
    // Filed under Bernd, who was asked for.
    answerNextClaim(anna, (real) => [...real, { ...foreign, userId: bernd.person.userId }]);

    await expect(
      anna.client.createConversation({ kind: 'group', memberUserIds: [bernd.person.userId] }),
    ).rejects.toMatchObject({
      code: 'member_rejected',
      rejections: [{ reason: 'wrong_organization', userId: outsiderUser.id }],
    });

    await expectNothingAdded(anna);
    await bernd.client.sync();
    expect(await bernd.client.listConversations()).toEqual([]);
  });
});
