import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  closeDevices,
  personWithDevice,
  signIn,
  startDevice,
  startMessagingServer,
  textEvents,
  textsShown,
  type TestDevice,
} from './client-fixtures.js';

describe('messaging client in a group', () => {
  let server: TestServer;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    server = await startMessagingServer();
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  it('delivers every message of three people exactly once, with its sender, in all directions', async () => {
    const anna = await personWithDevice(server, 'anna');
    const bernd = await personWithDevice(server, 'bernd');
    const clara = await personWithDevice(server, 'clara');
    devices.push(anna, bernd, clara);
    const created = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId, clara.person.userId],
      name: 'Bauamt Team',
    });
    expect(created.members.map((m) => m.userId).sort()).toEqual(
      [anna, bernd, clara].map((d) => d.person.userId).sort(),
    );
    const id = created.conversationId;

    const script: [TestDevice, string][] = [
      [anna, 'Guten Morgen zusammen'],
      [bernd, 'Morgen Anna'],
      [clara, 'Hallo aus dem Bauamt'],
      [bernd, 'Wer hat die Akte 17?'],
      [anna, 'Ich habe sie'],
    ];
    for (const [index, [device, text]] of script.entries()) {
      await device.client.sendText(id, text);
      // Everyone has it before the next one speaks, so the order is the same everywhere.
      for (const reader of [anna, bernd, clara]) await textsShown(reader, id, index + 1);
    }
    const expected = script.map(([device, text]) => ({ text, senderUserId: device.client.userId }));
    for (const reader of [anna, bernd, clara]) {
      await reader.client.sync();
      expect(await textsShown(reader, id, script.length)).toEqual(expected);
      expect(textEvents(reader, id)).toEqual(expected);
      expect((await reader.client.conversation(id))?.name).toBe('Bauamt Team');
      expect(reader.events.filter((e) => e.type === 'decrypt_failed')).toEqual([]);
    }
    expect(await anna.client.pendingMessages()).toEqual([]);
  });

  it('lets two people talk in a direct conversation', async () => {
    const dora = await personWithDevice(server, 'dora');
    const emil = await personWithDevice(server, 'emil');
    devices.push(dora, emil);
    const { conversationId: id, kind } = await dora.client.createConversation({
      kind: 'direct',
      memberUserIds: [emil.person.userId],
    });
    expect(kind).toBe('direct');
    await dora.client.sendText(id, 'Hast du kurz Zeit?');
    await textsShown(emil, id, 1);
    await emil.client.sendText(id, 'Ja, ruf an');
    const expected = [
      { text: 'Hast du kurz Zeit?', senderUserId: dora.person.userId },
      { text: 'Ja, ruf an', senderUserId: emil.person.userId },
    ];
    expect(await textsShown(dora, id, 2)).toEqual(expected);
    expect(await textsShown(emil, id, 2)).toEqual(expected);
    const joined = emil.events.find((e) => e.type === 'conversation_joined');
    expect(joined).toMatchObject({ conversationId: id });
    expect((await emil.client.conversation(id))?.kind).toBe('direct');
  });

  it('reaches every device of a user, including one approved later by another of their devices', async () => {
    const frank = await personWithDevice(server, 'frank');
    const gerda = await personWithDevice(server, 'gerda');
    devices.push(frank, gerda);
    const gerdaPhone = await startDevice(server, await signIn(server, gerda.person), {
      approvedBy: gerda,
    });
    devices.push(gerdaPhone);
    const { conversationId: id, members } = await frank.client.createConversation({
      kind: 'group',
      memberUserIds: [gerda.person.userId],
    });
    expect(members.map((m) => m.deviceId).sort()).toEqual(
      [frank.client.deviceId, gerda.client.deviceId, gerdaPhone.client.deviceId].sort(),
    );
    await frank.client.sendText(id, 'An beide Geräte');
    await textsShown(gerdaPhone, id, 1);
    await gerdaPhone.client.sendText(id, 'Vom Telefon');
    const expected = [
      { text: 'An beide Geräte', senderUserId: frank.person.userId },
      { text: 'Vom Telefon', senderUserId: gerda.person.userId },
    ];
    for (const reader of [frank, gerda, gerdaPhone]) {
      expect(await textsShown(reader, id, 2)).toEqual(expected);
    }
  });
});
