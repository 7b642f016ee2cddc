import { conversationViewSchema } from '@amtsbote/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import {
  disableUser,
  groupDevicesAre,
  membershipItems,
  revokeDevice,
  storedEvents,
  textsIn,
} from './roster-fixtures.js';

/** What a device cut off by the server makes of the log it is handed anyway. */
async function feedStoredLog(
  server: TestServer,
  device: TestDevice,
  conversationId: string,
  afterSeq: number,
): Promise<string[]> {
  const events = await storedEvents(server, conversationId, afterSeq);
  // Its session is gone, so acknowledging fails; what matters is what it processed.
  await device.client.receive(events).catch(() => undefined);
  return textsIn(await device.client.timeline(conversationId));
}

async function lastSeqOf(server: TestServer, conversationId: string): Promise<number> {
  const row = await server.handle.storage.db
    .selectFrom('conversations')
    .select('last_seq')
    .where('id', '=', conversationId)
    .executeTakeFirstOrThrow();
  return row.last_seq;
}

describe('MLS groups following the server roster', () => {
  let server: TestServer;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    server = await startMessagingServer();
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  it('removes a revoked device by a commit; it cannot read what is sent after, even handed the ciphertext', async () => {
    const laptop = await personWithDevice(server, 'anna');
    const bernd = await personWithDevice(server, 'bernd');
    const clara = await personWithDevice(server, 'clara');
    devices.push(laptop, bernd, clara);
    const { conversationId: id } = await laptop.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId, clara.person.userId],
    });
    const phone = await startDevice(server, await signIn(server, laptop.person), {
      approvedBy: laptop,
    });
    devices.push(phone);
    await bernd.client.sendText(id, 'vor dem Widerruf');
    await textsShown(phone, id, 1);
    const phoneSeenUpTo = await lastSeqOf(server, id);

    await revokeDevice(server, laptop, phone.client.deviceId);

    // Nobody calls sync: the server's notice makes the members commit the removal.
    const everyone = [laptop.client.deviceId, bernd.client.deviceId, clara.client.deviceId];
    const ends = await Promise.all(
      [laptop, bernd, clara].map((d) => groupDevicesAre(d, id, everyone)),
    );
    expect(new Set(ends.map((e) => e.epoch)).size).toBe(1);
    for (const member of [laptop, bernd, clara]) {
      expect(await membershipItems(member, id)).toContainEqual(
        expect.objectContaining({
          change: 'device_removed',
          userId: laptop.person.userId,
          deviceIds: [phone.client.deviceId],
        }),
      );
    }

    await clara.client.sendText(id, 'nach dem Widerruf');
    await textsShown(bernd, id, 2);
    const phoneTexts = await feedStoredLog(server, phone, id, phoneSeenUpTo);
    expect(phoneTexts).toEqual(['vor dem Widerruf']);
    expect(phone.events).toContainEqual(
      expect.objectContaining({ type: 'decrypt_failed', conversationId: id, eventType: 'message' }),
    );
    for (const member of [laptop, bernd, clara]) {
      expect(member.events.filter((e) => e.type === 'decrypt_failed')).toEqual([]);
    }
  });

  it("removes a disabled user's devices; they cannot read what is sent after", async () => {
    const anna = await personWithDevice(server, 'anna');
    const bernd = await personWithDevice(server, 'bernd');
    const clara = await personWithDevice(server, 'clara');
    devices.push(anna, bernd, clara);
    const { conversationId: id } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId, clara.person.userId],
    });
    await anna.client.sendText(id, 'an alle');
    await textsShown(clara, id, 1);
    const claraSeenUpTo = await lastSeqOf(server, id);

    await disableUser(server, clara.person);

    const remaining = [anna.client.deviceId, bernd.client.deviceId];
    const ends = await Promise.all([anna, bernd].map((d) => groupDevicesAre(d, id, remaining)));
    expect(ends[0]).toEqual(ends[1]);
    expect(await membershipItems(bernd, id)).toContainEqual(
      expect.objectContaining({ change: 'member_removed', userId: clara.person.userId }),
    );

    await bernd.client.sendText(id, 'ohne Clara');
    await textsShown(anna, id, 2);
    expect(await feedStoredLog(server, clara, id, claraSeenUpTo)).toEqual(['an alle']);
    expect(clara.events).toContainEqual(
      expect.objectContaining({ type: 'decrypt_failed', conversationId: id, eventType: 'message' }),
    );
  });

  it('ends a race of two members removing the same dead device with one commit, the same group everywhere', async () => {
    // None of them is live: they act exactly when they sync, both at once.
    const laptop = await personWithDevice(server, 'anna', { isLive: false });
    const bernd = await personWithDevice(server, 'bernd', { isLive: false });
    const clara = await personWithDevice(server, 'clara', { isLive: false });
    devices.push(laptop, bernd, clara);
    const { conversationId: id } = await laptop.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId, clara.person.userId],
    });
    const phone = await startDevice(server, await signIn(server, laptop.person), {
      approvedBy: laptop,
      isLive: false,
    });
    devices.push(phone);
    for (const device of [laptop, bernd, clara]) await device.client.sync();
    const before = await bernd.client.conversation(id);

    await revokeDevice(server, laptop, phone.client.deviceId);
    await eventually(
      async () =>
        (
          await server
            .api(bernd.grant.token)
            .request('GET', `/api/conversations/${id}`, undefined, conversationViewSchema)
        ).deviceIds,
      (ids) => !ids.includes(phone.client.deviceId),
      'the server to stop routing the phone',
    );
    await Promise.all([bernd.client.sync(), clara.client.sync()]);
    for (const device of [laptop, bernd, clara]) await device.client.sync();

    const everyone = [laptop.client.deviceId, bernd.client.deviceId, clara.client.deviceId];
    const ends = await Promise.all(
      [laptop, bernd, clara].map((d) => groupDevicesAre(d, id, everyone)),
    );
    // Exactly one removal commit: the loser re-based and found nothing left to do.
    expect(ends.map((e) => e.epoch)).toEqual([1, 1, 1].map(() => (before?.epoch ?? 0) + 1));
    const removals = (await membershipItems(laptop, id)).filter(
      (i) => i.change === 'device_removed',
    );
    expect(removals).toHaveLength(1);
    await laptop.client.sendText(id, 'alle noch da?');
    for (const reader of [bernd, clara]) {
      await reader.client.sync();
      expect(textsIn(await reader.client.timeline(id))).toEqual(['alle noch da?']);
    }
    for (const device of [laptop, bernd, clara]) {
      expect(device.events.filter((e) => e.type === 'decrypt_failed')).toEqual([]);
      expect(device.events.filter((e) => e.type === 'engine_error')).toEqual([]);
    }
  });
});
