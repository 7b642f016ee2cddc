import { ApiError } from '@amtsbote/client';
import { conversationViewSchema } from '@amtsbote/protocol';
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
import { groupDevicesAre, membershipItems, storedEvents, textsIn } from './roster-fixtures.js';

describe('leaving a conversation', () => {
  let server: TestServer;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    server = await startMessagingServer();
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  it('takes all the user’s devices out; members commit the removal and see member_left', async () => {
    const anna = await personWithDevice(server, 'anna');
    const laptop = await personWithDevice(server, 'bernd');
    const clara = await personWithDevice(server, 'clara');
    devices.push(anna, laptop, clara);
    const { conversationId: id } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [laptop.person.userId, clara.person.userId],
    });
    const phone = await startDevice(server, await signIn(server, laptop.person), {
      approvedBy: laptop,
    });
    devices.push(phone);
    await anna.client.sendText(id, 'vor dem Abschied');
    await textsShown(laptop, id, 1);
    await textsShown(phone, id, 1);
    const seenUpTo = (await storedEvents(server, id, 0)).at(-1)?.seq ?? 0;

    await laptop.client.leaveConversation(id);

    // The leaving device: no group state, the timeline stays, nothing more to send.
    expect(await laptop.client.conversation(id)).toMatchObject({ isRemoved: true, members: [] });
    expect(textsIn(await laptop.client.timeline(id))).toEqual(['vor dem Abschied']);
    expect(laptop.events).toContainEqual({ type: 'conversation_left', conversationId: id });
    await expect(laptop.client.sendText(id, 'noch da?')).rejects.toMatchObject({
      code: 'conversation_not_found',
    });
    // Bernd's other device learns it from the server's notice.
    await eventually(
      () => phone.client.conversation(id),
      (summary) => summary?.isRemoved === true,
      'the phone to learn that Bernd left',
    );

    const remaining = [anna.client.deviceId, clara.client.deviceId];
    await groupDevicesAre(anna, id, remaining);
    await groupDevicesAre(clara, id, remaining);
    for (const member of [anna, clara]) {
      expect(await membershipItems(member, id)).toContainEqual(
        expect.objectContaining({
          change: 'member_left',
          userId: laptop.person.userId,
          deviceIds: expect.arrayContaining([
            laptop.client.deviceId,
            phone.client.deviceId,
          ]) as unknown,
        }),
      );
    }
    await clara.client.sendText(id, 'nach dem Abschied');
    await textsShown(anna, id, 2);

    // Neither of Bernd's devices receives it, nor reads it when handed the ciphertext.
    for (const device of [laptop, phone]) {
      await device.client.sync();
      await device.client.receive(await storedEvents(server, id, seenUpTo)).catch(() => undefined);
      expect(textsIn(await device.client.timeline(id))).toEqual(['vor dem Abschied']);
    }
    for (const device of [anna, clara]) {
      expect(device.events.filter((e) => e.type === 'decrypt_failed')).toEqual([]);
    }
  });

  it('keeps the last owner of a group until they name a successor', async () => {
    const anna = await personWithDevice(server, 'anna');
    const bernd = await personWithDevice(server, 'bernd');
    const clara = await personWithDevice(server, 'clara');
    devices.push(anna, bernd, clara);
    const { conversationId: id } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId, clara.person.userId],
    });
    const before = await anna.client.conversation(id);

    const refusal = await anna.client.leaveConversation(id).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({ status: 409, code: 'last_owner' });
    expect(await anna.client.conversation(id)).toEqual(before);

    await anna.client.leaveConversation(id, { successorUserId: clara.person.userId });
    const view = await call(
      server,
      clara.grant.token,
      'GET',
      `/api/conversations/${id}`,
      conversationViewSchema,
    );
    expect(view.members).toEqual(
      expect.arrayContaining([
        { userId: clara.person.userId, role: 'owner' },
        { userId: bernd.person.userId, role: 'member' },
      ]),
    );
    // Anna was a member up to the commit that made the group, seq 1.
    expect(view.formerMembers).toEqual([
      { userId: anna.person.userId, departure: 'left', departedAtSeq: 1 },
    ]);
    // The new owner can do what owners do.
    const dora = await personWithDevice(server, 'dora');
    devices.push(dora);
    expect(await clara.client.addMembers(id, [dora.person.userId])).toEqual([dora.client.deviceId]);
    await groupDevicesAre(bernd, id, [
      bernd.client.deviceId,
      clara.client.deviceId,
      dora.client.deviceId,
    ]);
  });

  it('lets either side leave a direct conversation', async () => {
    const anna = await personWithDevice(server, 'anna');
    const bernd = await personWithDevice(server, 'bernd');
    devices.push(anna, bernd);
    const { conversationId: id } = await anna.client.createConversation({
      kind: 'direct',
      memberUserIds: [bernd.person.userId],
    });
    await anna.client.sendText(id, 'Tschüss');
    await textsShown(bernd, id, 1);

    await anna.client.leaveConversation(id);

    await groupDevicesAre(bernd, id, [bernd.client.deviceId]);
    expect(await membershipItems(bernd, id)).toContainEqual(
      expect.objectContaining({ change: 'member_left', userId: anna.person.userId }),
    );
    expect(textsIn(await bernd.client.timeline(id))).toEqual(['Tschüss']);
  });
});
