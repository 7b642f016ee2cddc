import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  atEpoch,
  closeDevices,
  eventually,
  personWithDevice,
  startMessagingServer,
  textsOf,
  textsShown,
  type TestDevice,
} from './client-fixtures.js';

const sortedUsers = (members: readonly { userId: string }[]): string[] =>
  [...new Set(members.map((m) => m.userId))].sort();

describe('messaging client membership', () => {
  let server: TestServer;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    server = await startMessagingServer();
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  it('lets a member added later read what is sent after, and nothing sent before', async () => {
    const anna = await personWithDevice(server, 'anna');
    const bernd = await personWithDevice(server, 'bernd');
    const clara = await personWithDevice(server, 'clara');
    devices.push(anna, bernd, clara);
    const { conversationId: id } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
      name: 'Vergabe',
    });
    await anna.client.sendText(id, 'vor Clara');
    await textsShown(bernd, id, 1);

    expect(await anna.client.addMembers(id, [clara.person.userId])).toEqual([
      clara.client.deviceId,
    ]);
    await atEpoch(bernd, id, 2);
    await eventually(
      () => clara.client.conversation(id),
      (summary) => summary !== null,
      'Clara joining',
    );
    await bernd.client.sendText(id, 'mit Clara');
    await clara.client.sendText(id, 'Hallo, ich bin neu');

    const after = [
      { text: 'mit Clara', senderUserId: bernd.person.userId },
      { text: 'Hallo, ich bin neu', senderUserId: clara.person.userId },
    ];
    expect(await textsShown(clara, id, 2)).toEqual(after);
    expect(await textsShown(anna, id, 3)).toEqual([
      { text: 'vor Clara', senderUserId: anna.person.userId },
      ...after,
    ]);
    await clara.client.sync();
    expect(textsOf(await clara.client.timeline(id))).toEqual(after);
    // The name was sent before Clara joined, so her device does not know it.
    expect((await clara.client.conversation(id))?.name).toBeNull();
    expect(clara.events.filter((e) => e.type === 'decrypt_failed')).toEqual([]);
    const changes = bernd.events.filter((e) => e.type === 'membership_changed');
    expect(changes.at(-1)).toMatchObject({
      added: [{ userId: clara.person.userId, deviceId: clara.client.deviceId }],
      committer: { userId: anna.person.userId },
    });
  });

  it('shows a removed member nothing sent after the removal', async () => {
    const anna = await personWithDevice(server, 'anna');
    const bernd = await personWithDevice(server, 'bernd');
    const clara = await personWithDevice(server, 'clara');
    devices.push(anna, bernd, clara);
    const { conversationId: id } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId, clara.person.userId],
    });
    await anna.client.sendText(id, 'an alle drei');
    await textsShown(clara, id, 1);
    await textsShown(bernd, id, 1);

    expect(await anna.client.removeMembers(id, [clara.person.userId])).toEqual([
      clara.client.deviceId,
    ]);
    await atEpoch(bernd, id, 2);
    await anna.client.sendText(id, 'ohne Clara');
    await bernd.client.sendText(id, 'ja, ohne Clara');
    expect(await textsShown(anna, id, 3)).toHaveLength(3);
    expect(await textsShown(bernd, id, 3)).toHaveLength(3);
    expect(sortedUsers((await bernd.client.conversation(id))?.members ?? [])).toEqual(
      sortedUsers([anna.person, bernd.person]),
    );

    await clara.client.sync();
    expect(textsOf(await clara.client.timeline(id))).toEqual([
      { text: 'an alle drei', senderUserId: anna.person.userId },
    ]);
    await expect(clara.client.sendText(id, 'bin ich noch da?')).rejects.toMatchObject({
      code: 'send_refused',
    });
    expect(clara.events.filter((e) => e.type === 'send_failed')).toHaveLength(1);
    expect(await clara.client.pendingMessages()).toEqual([]);
    expect(textsOf(await anna.client.timeline(id))).toHaveLength(3);
  });

  it('ends concurrent commits with one winner and the other re-based, all on the same group', async () => {
    const anna = await personWithDevice(server, 'anna');
    // Bernd syncs only when asked, so his commit is built on the epoch he last saw.
    const bernd = await personWithDevice(server, 'bernd', { isLive: false });
    const clara = await personWithDevice(server, 'clara');
    const dora = await personWithDevice(server, 'dora');
    const emil = await personWithDevice(server, 'emil');
    const frank = await personWithDevice(server, 'frank');
    devices.push(anna, bernd, clara, dora, emil, frank);
    const { conversationId: id } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    await bernd.client.sync();
    // Both are owners, so both may add members.
    await anna.client.addMembers(id, [bernd.person.userId], 'owner');

    // Anna's commit wins epoch 1; Bernd's, built on epoch 1 too, is refused and re-based.
    await anna.client.addMembers(id, [clara.person.userId]);
    await bernd.client.addMembers(id, [dora.person.userId]);
    const berndChanges = bernd.events.filter((e) => e.type === 'membership_changed');
    expect(berndChanges.map((e) => [e.epoch, e.committer?.userId])).toEqual([
      [1, anna.person.userId],
      [2, bernd.person.userId],
    ]);

    // Both at the same moment: whichever loses re-bases in the same way.
    await bernd.client.sync();
    await Promise.all([
      anna.client.addMembers(id, [emil.person.userId]),
      bernd.client.addMembers(id, [frank.person.userId]),
    ]);
    await bernd.client.sync();

    const everyone = [anna, bernd, clara, dora, emil, frank];
    for (const device of everyone) await atEpoch(device, id, 5);
    const views = await Promise.all(everyone.map((d) => d.client.conversation(id)));
    for (const view of views) {
      expect(view?.epoch).toBe(5);
      expect(sortedUsers(view?.members ?? [])).toEqual(sortedUsers(everyone.map((d) => d.person)));
    }
    await frank.client.sendText(id, 'Alle da?');
    for (const device of [anna, clara, dora, emil]) {
      expect(await textsShown(device, id, 1)).toEqual([
        { text: 'Alle da?', senderUserId: frank.person.userId },
      ]);
    }
    await bernd.client.sync();
    expect(textsOf(await bernd.client.timeline(id))).toHaveLength(1);
    for (const device of everyone) {
      expect(device.events.filter((e) => e.type === 'decrypt_failed')).toEqual([]);
    }
  });
});
