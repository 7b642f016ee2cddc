import { randomUUID } from 'node:crypto';
import { ApiError, MessagingError, type TimelineItem } from '@amtsbote/client';
import { base64urlEncode } from '@amtsbote/crypto';
import { conversationViewSchema, syncResponseSchema } from '@amtsbote/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  closeDevices,
  eventually,
  personWithDevice,
  startMessagingServer,
  textsOf,
  textsShown,
  newPerson,
  type TestDevice,
} from './client-fixtures.js';
import { tamperedDevice } from '../malicious/malicious-fixtures.js';

/* Announcement channels with real clients: owners and posters post, members acknowledge and
   posters see who has; a member's post is refused by the member's own client and by the
   server, and a post smuggled in as a response is dropped by every receiver. */

const CONVERSATION_PATH = /^\/api\/conversations\/[0-9a-f-]{36}$/;
const MESSAGES_PATH = /^\/api\/conversations\/[0-9a-f-]{36}\/messages$/;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: unknown) => error,
  );
}

function failuresOf(
  timeline: readonly TimelineItem[],
): { messageId: string | null; code: string }[] {
  return timeline.flatMap((item) =>
    item.kind === 'undecryptable' ? [{ messageId: item.messageId, code: item.code }] : [],
  );
}

describe('announcement channels', () => {
  let server: TestServer;
  let anna: TestDevice & { person: { userId: string } };
  let bernd: TestDevice & { person: { userId: string } };
  let dirk: TestDevice & { person: { userId: string } };
  /** A member whose client lies: it declares its posts as responses. */
  let clara: TestDevice;
  let claraId: string;
  /** A member behind a lying server, which declares every response a post. */
  let erik: TestDevice;
  let erikId: string;
  let channelId: string;
  const devices: TestDevice[] = [];

  const lastSeq = async (): Promise<number> =>
    conversationViewSchema.parse(
      await server
        .api(anna.grant.token)
        .request('GET', `/api/conversations/${channelId}`, undefined, conversationViewSchema),
    ).lastSeq;

  beforeAll(async () => {
    server = await startMessagingServer();
    anna = await personWithDevice(server, 'anna');
    bernd = await personWithDevice(server, 'bernd');
    dirk = await personWithDevice(server, 'dirk');
    const claraPerson = await newPerson(server, 'clara');
    claraId = claraPerson.userId;
    clara = await tamperedDevice(server, claraPerson, (tampering) => {
      tampering.onRequest('POST', MESSAGES_PATH, (body) => ({
        ...(body as object),
        intent: 'response',
      }));
      tampering.onResponse('GET', CONVERSATION_PATH, (body) => {
        const view = conversationViewSchema.parse(body);
        return {
          ...view,
          members: view.members.map((m) => (m.userId === claraId ? { ...m, role: 'poster' } : m)),
        };
      });
    });
    const erikPerson = await newPerson(server, 'erik');
    erikId = erikPerson.userId;
    erik = await tamperedDevice(server, erikPerson, (tampering) => {
      tampering.onResponse('GET', /^\/api\/sync$/, (body) => {
        const page = syncResponseSchema.parse(body);
        return {
          ...page,
          events: page.events.map((e) => (e.type === 'message' ? { ...e, intent: 'post' } : e)),
        };
      });
    });
    devices.push(anna, bernd, dirk, clara, erik);
    ({ conversationId: channelId } = await anna.client.createConversation({
      kind: 'channel',
      memberUserIds: [bernd.person.userId, dirk.person.userId, claraId, erikId],
      posterUserIds: [bernd.person.userId],
      name: 'Rundschreiben',
    }));
    // The tampered devices have no WebSocket: they join when they sync.
    await clara.client.sync();
    await erik.client.sync();
    await eventually(
      () => dirk.client.conversation(channelId),
      (c) => c?.name === 'Rundschreiben',
      "the channel on Dirk's device",
    );
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  it('lets posters post and members acknowledge once; posters see who has and who has not', async () => {
    const post = await bernd.client.sendText(channelId, 'Dienstanweisung 7 gilt ab Montag.');
    expect(await textsShown(dirk, channelId, 1)).toEqual([
      { text: 'Dienstanweisung 7 gilt ab Montag.', senderUserId: bernd.person.userId },
    ]);

    await dirk.client.acknowledge(channelId, post.messageId);
    const afterFirst = await lastSeq();
    await dirk.client.acknowledge(channelId, post.messageId);
    expect(await lastSeq()).toBe(afterFirst);
    await dirk.client.send(channelId, { type: 'reaction', target: post.messageId, emoji: '👍' });

    const list = await eventually(
      () => bernd.client.acknowledgements(channelId, post.messageId),
      (l) => l.acknowledged.length === 1,
      "Dirk's acknowledgement on Bernd's device",
    );
    expect(list.acknowledged).toEqual([
      { userId: dirk.person.userId, at: expect.any(String) as unknown },
    ]);
    expect(Number.isNaN(Date.parse(list.acknowledged[0]?.at ?? ''))).toBe(false);
    expect([...list.pending].sort()).toEqual([claraId, erikId].sort());

    const item = await eventually(
      async () =>
        (await bernd.client.timeline(channelId)).find(
          (i) => i.kind === 'message' && i.messageId === post.messageId,
        ),
      (i) => i?.kind === 'message' && i.reactions.length === 1,
      "Dirk's reaction on Bernd's device",
    );
    expect(item).toMatchObject({
      acknowledgedBy: [dirk.person.userId],
      acknowledgements: { acknowledged: 1, pending: 2 },
      reactions: [{ emoji: '👍', userIds: [dirk.person.userId] }],
    });
  });

  it("refuses a member's post on the member's device and on the server, sending nothing", async () => {
    const before = await lastSeq();
    const refused = await rejection(dirk.client.sendText(channelId, 'Ich poste einfach mal.'));
    expect(refused).toBeInstanceOf(MessagingError);
    expect((refused as MessagingError).code).toBe('not_a_poster');
    const renamed = await rejection(dirk.client.rename(channelId, 'Mein Kanal', null));
    expect((renamed as MessagingError).code).toBe('not_a_poster');
    expect(await dirk.client.pendingMessages(channelId)).toEqual([]);

    const direct = await rejection(
      server.api(dirk.grant.token).request(
        'POST',
        `/api/conversations/${channelId}/messages`,
        {
          messageId: randomUUID(),
          epoch: 1,
          ciphertext: base64urlEncode(new Uint8Array(32)),
          intent: 'post',
        },
        conversationViewSchema,
      ),
    );
    expect(direct).toBeInstanceOf(ApiError);
    expect({ status: (direct as ApiError).status, code: (direct as ApiError).code }).toEqual({
      status: 403,
      code: 'not_a_poster',
    });
    expect(await lastSeq()).toBe(before);
  });

  it('drops a post smuggled in as a response on every device, showing the failure instead', async () => {
    const forged = await clara.client.sendText(channelId, 'Ab sofort gilt Gleitzeit für alle!');
    const honest = await anna.client.sendText(channelId, 'Nein, es bleibt bei der Kernzeit.');

    for (const device of [anna, bernd, dirk]) {
      const timeline = await eventually(
        () => device.client.timeline(channelId),
        (items) => textsOf(items).some((t) => t.text.startsWith('Nein')),
        `Anna's post on ${device.grant.user.username}'s device`,
      );
      expect(textsOf(timeline).map((t) => t.text)).not.toContain(
        'Ab sofort gilt Gleitzeit für alle!',
      );
      expect(failuresOf(timeline)).toEqual([
        { messageId: forged.messageId, code: 'intent_mismatch' },
      ]);
      expect(device.events).toContainEqual(
        expect.objectContaining({
          type: 'decrypt_failed',
          messageId: forged.messageId,
          code: 'intent_mismatch',
        }),
      );
    }

    // Erik's server claims the forgery is a post: his client asks the roster, Clara is no poster.
    await erik.client.sync();
    const erikSees = await erik.client.timeline(channelId);
    expect(textsOf(erikSees).map((t) => t.text)).toContain('Nein, es bleibt bei der Kernzeit.');
    expect(textsOf(erikSees).map((t) => t.text)).not.toContain(
      'Ab sofort gilt Gleitzeit für alle!',
    );
    expect(failuresOf(erikSees)).toEqual([{ messageId: forged.messageId, code: 'not_a_poster' }]);
    expect(honest.messageId).not.toBe(forged.messageId);
  });

  it('lets a member post once an owner made them a poster', async () => {
    await anna.client.addMembers(channelId, [dirk.person.userId], 'poster');
    await dirk.client.sendText(channelId, 'Danke, ich übernehme die Rundschreiben.');
    const texts = await textsShown(bernd, channelId, 3);
    expect(texts.at(-1)).toEqual({
      text: 'Danke, ich übernehme die Rundschreiben.',
      senderUserId: dirk.person.userId,
    });
  });
});
