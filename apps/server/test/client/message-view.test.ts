import { syncResponseSchema, type SyncEvent } from '@amtsbote/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  closeDevices,
  eventually,
  personWithDevice,
  startMessagingServer,
  textEvents,
  textsOf,
  textsShown,
  type TestDevice,
} from './client-fixtures.js';

/** The device's pending stream, read over HTTP with its own token, without acknowledging it. */
async function rawStream(server: TestServer, device: TestDevice): Promise<SyncEvent[]> {
  const page = await server
    .api(device.grant.token)
    .request('GET', '/api/sync?limit=100', undefined, syncResponseSchema);
  return page.events;
}

function flipLastByte(text: string): string {
  const bytes = Buffer.from(text, 'base64url');
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
  return bytes.toString('base64url');
}

describe('messaging client local view', () => {
  let server: TestServer;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    server = await startMessagingServer();
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  it('shows a message once when its event comes again, at its own position or at another', async () => {
    const anna = await personWithDevice(server, 'anna');
    // Offline: its events wait on the server until it fetches them.
    const bernd = await personWithDevice(server, 'bernd', { isLive: false });
    devices.push(anna, bernd);
    const { conversationId: id } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    await anna.client.sendText(id, 'eins');
    const stream = await rawStream(server, bernd);
    expect(stream.map((e) => e.type)).toEqual(['welcome', 'message']);
    const message = stream[1]!;

    await bernd.client.receive(stream);
    await bernd.client.receive(stream);
    await bernd.client.sync();
    // The same ciphertext and message id presented as a new position: a replay.
    await bernd.client.receive([{ ...message, seq: message.seq + 1 }]);
    await anna.client.sendText(id, 'zwei');
    await bernd.client.sync();

    const expected = [
      { text: 'eins', senderUserId: anna.person.userId },
      { text: 'zwei', senderUserId: anna.person.userId },
    ];
    expect(textsOf(await bernd.client.timeline(id))).toEqual(expected);
    expect(textEvents(bernd, id)).toEqual(expected);
    expect(bernd.events.filter((e) => e.type === 'conversation_joined')).toHaveLength(1);
    // Only the replay at another position is reported; the repeats at its own are duplicates.
    expect(bernd.events.filter((e) => e.type === 'decrypt_failed')).toMatchObject([
      { seq: message.seq + 1, code: 'message_replayed' },
    ]);
  });

  it('records an event that does not decrypt as visible, and reads the ones after it', async () => {
    const anna = await personWithDevice(server, 'anna');
    const bernd = await personWithDevice(server, 'bernd', { isLive: false });
    devices.push(anna, bernd);
    const { conversationId: id } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    await anna.client.sendText(id, 'kaputt unterwegs');
    await anna.client.sendText(id, 'heil angekommen');
    const [welcome, damaged, intact] = await rawStream(server, bernd);

    await bernd.client.receive([welcome!, { ...damaged!, data: flipLastByte(damaged!.data) }]);
    await bernd.client.sync();

    const timeline = await bernd.client.timeline(id);
    expect(timeline.map((item) => item.kind)).toEqual(['undecryptable', 'message']);
    expect(timeline[0]).toMatchObject({ seq: damaged!.seq, messageId: damaged!.messageId });
    expect(textsOf(timeline)).toEqual([
      { text: 'heil angekommen', senderUserId: anna.person.userId },
    ]);
    const failures = bernd.events.filter((e) => e.type === 'decrypt_failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ conversationId: id, seq: damaged!.seq });
    expect(intact!.seq).toBe(damaged!.seq + 1);
  });

  it('applies edits, deletions, reactions and read markers the same on every device', async () => {
    const anna = await personWithDevice(server, 'anna');
    const bernd = await personWithDevice(server, 'bernd');
    devices.push(anna, bernd);
    const { conversationId: id } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    const question = await anna.client.sendText(id, 'Termin am Dienstag?');
    await textsShown(bernd, id, 1);
    const answer = await bernd.client.sendText(id, 'Geht nicht');
    await textsShown(anna, id, 2);
    await anna.client.send(id, {
      type: 'edit',
      target: question.messageId,
      text: 'Termin am Mittwoch?',
    });
    // Only the author may change a message: Bernd's edit of Anna's is ignored.
    await bernd.client.send(id, { type: 'edit', target: question.messageId, text: 'gefälscht' });
    await bernd.client.send(id, { type: 'reaction', target: question.messageId, emoji: '👍' });
    await bernd.client.send(id, { type: 'delete', target: answer.messageId });
    const last = await bernd.client.sendText(id, 'Mittwoch passt');
    await anna.client.send(id, { type: 'read', upTo: last.messageId });

    for (const device of [anna, bernd]) {
      const timeline = await eventually(
        () =>
          device.client
            .readMarkers(id)
            .then(async (markers) => ({ markers, timeline: await device.client.timeline(id) })),
        ({ markers }) => markers[anna.person.userId]?.messageId === last.messageId,
        'the read marker',
      );
      // Membership changes (Anna's commit adding Bernd) have their own timeline items.
      const messages = timeline.timeline.filter((item) => item.kind === 'message');
      const [first, second, third] = messages;
      expect(first).toMatchObject({
        kind: 'message',
        content: { type: 'text', text: 'Termin am Mittwoch?' },
        reactions: [{ emoji: '👍', userIds: [bernd.person.userId] }],
      });
      expect(first).toHaveProperty('editedAt');
      expect(first).not.toMatchObject({ editedAt: null });
      expect(second).toMatchObject({ kind: 'message', isDeleted: true, content: null });
      expect(third).toMatchObject({ content: { type: 'text', text: 'Mittwoch passt' } });
      expect(messages).toHaveLength(3);
    }
  });
});
