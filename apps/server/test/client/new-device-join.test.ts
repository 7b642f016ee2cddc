import {
  DeviceAuthenticationService,
  InMemoryIdentityKeyPins,
  base64urlDecode,
  base64urlEncode,
  createDevice,
  generateIdentityKey,
  joinExternal,
} from '@amtsbote/crypto';
import { conversationViewSchema, groupInfoResponseSchema } from '@amtsbote/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../sessions/identity-fixtures.js';
import type { TestServer } from '../support/test-server.js';
import {
  closeDevices,
  eventually,
  personWithDevice,
  signIn,
  startDevice,
  startMessagingServer,
  textsShown,
  type TestDevice,
} from './client-fixtures.js';
import { membershipItems, textsIn } from './roster-fixtures.js';

/** An owner adds a user to the roster alone: no member's device sends them a Welcome. */
async function addByRosterAlone(
  server: TestServer,
  owner: TestDevice,
  conversationId: string,
  userId: string,
): Promise<void> {
  await call(
    server,
    owner.grant.token,
    'POST',
    `/api/conversations/${conversationId}/members`,
    conversationViewSchema,
    { add: [{ userId, role: 'member' }], remove: [] },
  );
}

/** The device closed and started again on its store: the start joins by external commit. */
async function restarted(server: TestServer, device: TestDevice): Promise<TestDevice> {
  await device.client.close();
  return startDevice(server, device.grant, { store: device.store, isRestart: true });
}

describe('a device joining conversations by itself (external commit)', () => {
  let server: TestServer;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    server = await startMessagingServer();
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  it('joins every conversation of its user on start, reads and sends while all other members are offline', async () => {
    // Anna's laptop never connects live: it answers the device approval and nothing else.
    const laptop = await personWithDevice(server, 'anna', { isLive: false });
    const bernd = await personWithDevice(server, 'bernd');
    const clara = await personWithDevice(server, 'clara');
    devices.push(laptop, bernd, clara);
    const group = await laptop.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId, clara.person.userId],
    });
    const direct = await laptop.client.createConversation({
      kind: 'direct',
      memberUserIds: [bernd.person.userId],
    });
    // Bernd's group, where Anna is a plain member.
    const channel = await bernd.client.createConversation({
      kind: 'group',
      memberUserIds: [laptop.person.userId, clara.person.userId],
    });
    const ids = [group.conversationId, direct.conversationId, channel.conversationId];
    await bernd.client.sendText(channel.conversationId, 'vor dem neuen Telefon');
    await laptop.client.sync();
    await closeDevices([bernd, clara]);

    const phone = await startDevice(server, await signIn(server, laptop.person), {
      approvedBy: laptop,
    });
    devices.push(phone);

    const joined = phone.events.filter((e) => e.type === 'conversation_joined');
    expect(joined.map((e) => e.conversationId).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      expect((await phone.client.conversation(id))?.members.map((m) => m.deviceId)).toContain(
        phone.client.deviceId,
      );
      await phone.client.sendText(id, `vom Telefon in ${id}`);
    }
    // Sent before it joined: not for the phone to read.
    expect(textsIn(await phone.client.timeline(channel.conversationId))).not.toContain(
      'vor dem neuen Telefon',
    );

    const berndAgain = await startDevice(server, bernd.grant, {
      store: bernd.store,
      isRestart: true,
    });
    const claraAgain = await startDevice(server, clara.grant, {
      store: clara.store,
      isRestart: true,
    });
    devices.push(berndAgain, claraAgain);
    await laptop.client.sync();
    const readers: [TestDevice, string[]][] = [
      [berndAgain, ids],
      [claraAgain, [group.conversationId, channel.conversationId]],
      [laptop, ids],
    ];
    for (const [reader, conversations] of readers) {
      for (const id of conversations) {
        await eventually(
          async () => textsIn(await reader.client.timeline(id)),
          (texts) => texts.includes(`vom Telefon in ${id}`),
          `the phone's message in ${id} on ${reader.grant.user.username}'s device`,
        );
        expect(await membershipItems(reader, id)).toContainEqual(
          expect.objectContaining({
            change: 'device_added',
            userId: laptop.person.userId,
            deviceIds: [phone.client.deviceId],
            committer: { userId: laptop.person.userId, deviceId: phone.client.deviceId },
          }),
        );
      }
    }
    for (const id of ids) {
      const views = await Promise.all(
        [phone, berndAgain, laptop].map((d) => d.client.conversation(id)),
      );
      const groups = views.map((v) => ({
        epoch: v?.epoch,
        devices: v?.members.map((m) => m.deviceId).sort(),
      }));
      expect(groups[1]).toEqual(groups[0]);
      expect(groups[2]).toEqual(groups[0]);
    }
    for (const device of [phone, berndAgain, claraAgain, laptop]) {
      expect(device.events.filter((e) => e.type === 'decrypt_failed')).toEqual([]);
    }
    // A reply reaches the phone like any member.
    await berndAgain.client.sendText(direct.conversationId, 'Willkommen, Telefon');
    expect((await textsShown(phone, direct.conversationId, 2)).map((t) => t.text)).toContain(
      'Willkommen, Telefon',
    );
  });

  it('lets a user the roster added alone join on start; members accept it by the roster', async () => {
    const anna = await personWithDevice(server, 'anna');
    const bernd = await personWithDevice(server, 'bernd');
    const clara = await personWithDevice(server, 'clara', { isLive: false });
    devices.push(anna, bernd, clara);
    const { conversationId: id } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    await addByRosterAlone(server, anna, id, clara.person.userId);
    // A sync waits for a Welcome; only the start joins without one.
    await clara.client.sync();
    expect(await clara.client.conversation(id)).toBeNull();
    const claraAgain = await restarted(server, clara);
    devices.push(claraAgain);

    expect(claraAgain.events.filter((e) => e.type === 'conversation_joined')).toHaveLength(1);
    await claraAgain.client.sendText(id, 'Hallo, ich bin durch den Verteiler dabei');
    for (const member of [anna, bernd]) {
      expect(await textsShown(member, id, 1)).toEqual([
        { text: 'Hallo, ich bin durch den Verteiler dabei', senderUserId: clara.person.userId },
      ]);
      expect(await membershipItems(member, id)).toContainEqual(
        expect.objectContaining({ change: 'member_joined', userId: clara.person.userId }),
      );
      expect(member.events.filter((e) => e.type === 'decrypt_failed')).toEqual([]);
    }
  });

  it('has a member that processes such a join late accept it, though the user has left since', async () => {
    const anna = await personWithDevice(server, 'anna');
    // Bernd's device is offline through all of it.
    const bernd = await personWithDevice(server, 'bernd', { isLive: false });
    const clara = await personWithDevice(server, 'clara', { isLive: false });
    devices.push(anna, bernd, clara);
    const { conversationId: id } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    await addByRosterAlone(server, anna, id, clara.person.userId);
    const claraAgain = await restarted(server, clara);
    devices.push(claraAgain);
    await claraAgain.client.sendText(id, 'kurz dabei');
    await claraAgain.client.leaveConversation(id);
    await anna.client.sync();
    await eventually(
      () => anna.client.conversation(id),
      (summary) => summary?.members.length === 2,
      'Anna committing Clara’s departure',
    );

    await bernd.client.sync();
    expect(bernd.events.filter((e) => e.type === 'decrypt_failed')).toEqual([]);
    expect(await textsShown(bernd, id, 1)).toEqual([
      { text: 'kurz dabei', senderUserId: clara.person.userId },
    ]);
    const [annas, bernds] = [anna, bernd].map((d) => d.client.conversation(id));
    expect((await bernds)?.epoch).toBe((await annas)?.epoch);
  });

  it('has a member removed meanwhile still follow such a join, and read what came before its removal', async () => {
    const anna = await personWithDevice(server, 'anna');
    const bernd = await personWithDevice(server, 'bernd', { isLive: false });
    const clara = await personWithDevice(server, 'clara', { isLive: false });
    devices.push(anna, bernd, clara);
    const { conversationId: id } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    await bernd.client.sync();
    await addByRosterAlone(server, anna, id, clara.person.userId);
    const claraAgain = await restarted(server, clara);
    devices.push(claraAgain);
    await claraAgain.client.sendText(id, 'noch für Bernd');
    await anna.client.sync();
    await anna.client.removeMembers(id, [bernd.person.userId]);

    // Bernd's roster is closed to him now; he still reads what was sent while he was in.
    await bernd.client.sync();
    expect(bernd.events.filter((e) => e.type === 'decrypt_failed')).toEqual([]);
    expect(await textsShown(bernd, id, 1)).toEqual([
      { text: 'noch für Bernd', senderUserId: clara.person.userId },
    ]);
  });

  it('has members refuse an external commit of a user the roster does not list', async () => {
    const anna = await personWithDevice(server, 'anna');
    const bernd = await personWithDevice(server, 'bernd', { isLive: false });
    const dora = await personWithDevice(server, 'dora', { isLive: false });
    devices.push(anna, bernd, dora);
    const { conversationId: id } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    await bernd.client.sync();
    const before = await bernd.client.conversation(id);

    // The server refuses Dora's device: she is no member.
    const state = await call(
      server,
      bernd.grant.token,
      'GET',
      `/api/conversations/${id}/group-info`,
      groupInfoResponseSchema,
    );
    const forger = {
      device: createDevice(generateIdentityKey(), {
        organizationId: dora.grant.organization.id,
        userId: dora.person.userId,
        deviceId: dora.client.deviceId,
      }),
      auth: new DeviceAuthenticationService({
        organizationId: dora.grant.organization.id,
        pins: new InMemoryIdentityKeyPins(),
        onKeyChange: () => undefined,
      }),
    };
    const joined = await joinExternal({
      groupInfo: base64urlDecode(state.groupInfo ?? ''),
      ratchetTree: base64urlDecode(state.ratchetTree ?? ''),
      device: forger.device,
      authService: forger.auth,
    });
    await expect(
      call(
        server,
        dora.grant.token,
        'POST',
        `/api/conversations/${id}/external-commits`,
        groupInfoResponseSchema,
        {
          epoch: joined.epoch,
          commit: base64urlEncode(joined.commit),
        },
      ),
    ).rejects.toMatchObject({ status: 404, code: 'conversation_not_found' });

    // A server that delivered it anyway: Bernd's client asks the roster and refuses.
    await bernd.client
      .receive([
        {
          type: 'commit',
          conversationId: id,
          seq: 1000,
          epoch: joined.epoch,
          senderDeviceId: dora.client.deviceId,
          messageId: null,
          intent: null,
          sentAt: new Date().toISOString(),
          data: base64urlEncode(joined.commit),
          ratchetTree: null,
        },
      ])
      .catch(() => undefined);
    expect(bernd.events.filter((e) => e.type === 'decrypt_failed')).toEqual([
      expect.objectContaining({ conversationId: id, seq: 1000, code: 'external_join_refused' }),
    ]);
    const after = await bernd.client.conversation(id);
    expect(after?.epoch).toBe(before?.epoch);
    expect(after?.members).toEqual(before?.members);
  });
});
