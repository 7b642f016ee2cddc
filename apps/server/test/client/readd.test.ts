import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  closeDevices,
  personWithDevice,
  startMessagingServer,
  textsOf,
  type TestDevice,
} from './client-fixtures.js';

/*
 * A member removed and added again before its device fetched what was sent while it was still
 * a member: the device reads those messages, nothing of the time it was out, and what comes
 * after its return — in that order, nothing undecryptable.
 */

describe('a member removed and added again', () => {
  let server: TestServer;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    server = await startMessagingServer();
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  it('reads what was sent before the removal even when it fetches only after the return', async () => {
    const anna = await personWithDevice(server, 'anna');
    // Bernd's device is offline (no WebSocket) and syncs only when the test says so.
    const bernd = await personWithDevice(server, 'bernd', { isLive: false });
    devices.push(anna, bernd);
    const { conversationId: id } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    await bernd.client.sync();
    await anna.client.sendText(id, 'vor dem Entfernen');

    await anna.client.removeMembers(id, [bernd.person.userId]);
    await anna.client.sendText(id, 'während Bernd draußen ist');
    await anna.client.addMembers(id, [bernd.person.userId]);
    await anna.client.sendText(id, 'nach der Rückkehr');

    await bernd.client.sync();
    const timeline = await bernd.client.timeline(id);
    expect(textsOf(timeline).map((t) => t.text)).toEqual([
      'vor dem Entfernen',
      'nach der Rückkehr',
    ]);
    expect(timeline.filter((item) => item.kind === 'undecryptable')).toEqual([]);
    expect(bernd.events.filter((e) => e.type === 'decrypt_failed')).toEqual([]);
    expect(await bernd.client.conversation(id)).toMatchObject({
      isRemoved: false,
      epoch: (await anna.client.conversation(id))?.epoch,
    });
    await bernd.client.sendText(id, 'wieder da');
    await anna.client.sync();
    expect(textsOf(await anna.client.timeline(id)).at(-1)?.text).toBe('wieder da');
  });

  it('starts afresh after a return when it had fetched everything before', async () => {
    const anna = await personWithDevice(server, 'anna');
    const bernd = await personWithDevice(server, 'bernd', { isLive: false });
    devices.push(anna, bernd);
    const { conversationId: id } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    await anna.client.sendText(id, 'eins');
    await anna.client.removeMembers(id, [bernd.person.userId]);
    await bernd.client.sync();
    expect(await bernd.client.conversation(id)).toMatchObject({ isRemoved: true });
    await anna.client.sendText(id, 'zwei');
    await anna.client.addMembers(id, [bernd.person.userId]);
    await anna.client.sendText(id, 'drei');

    await bernd.client.sync();
    expect(textsOf(await bernd.client.timeline(id)).map((t) => t.text)).toEqual(['eins', 'drei']);
    expect(bernd.events.filter((e) => e.type === 'decrypt_failed')).toEqual([]);
  });
});
