import { randomUUID } from 'node:crypto';
import {
  conversationViewSchema,
  sendMessageResponseSchema,
  type ConversationView,
} from '@amtsbote/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectError, expectOk } from '../http/helpers.js';
import { describeOnEachBackend } from '../support/backends.js';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import { connectFrames } from './frame-client.js';
import {
  MANY_LOGINS,
  SUITE,
  addDevices,
  call,
  getConversation,
  groupWith,
  newDevice,
  opaque,
  sync,
  type Device,
} from './messaging-fixtures.js';

/* Channels on the server: a message declares its intent (post or response); posts of members
   who are neither owner nor poster are refused and leave no trace; the intent is stored and
   delivered with the message, over HTTP and the WebSocket. */

describeOnEachBackend('channel intents', (backend) => {
  let server: TestServer;
  let owner: Device;
  let poster: Device;
  let member: Device;
  let channel: ConversationView;

  const post = (sender: Device, body: Record<string, unknown>, to = channel.id) =>
    call(server, sender, 'POST', `/api/conversations/${to}/messages`, {
      messageId: randomUUID(),
      epoch: 1,
      ciphertext: opaque(),
      ...body,
    });

  const storedIntent = async (messageId: string): Promise<string | null | undefined> =>
    (
      await server.handle.storage.db
        .selectFrom('conversation_events')
        .select('intent')
        .where('message_id', '=', messageId)
        .executeTakeFirst()
    )?.intent;

  beforeAll(async () => {
    server = await startTestServer({ backend, ...MANY_LOGINS });
    await setupFirstOrganization(server);
    [owner, poster, member] = [
      await newDevice(server),
      await newDevice(server),
      await newDevice(server),
    ];
    const created = await call(server, owner, 'POST', '/api/conversations', {
      conversationId: randomUUID(),
      kind: 'channel',
      ciphersuite: SUITE,
      memberUserIds: [poster.userId, member.userId],
      posterUserIds: [poster.userId],
    });
    channel = expectOk(created, 201, conversationViewSchema);
    await addDevices(server, owner, channel.id, 0, [poster, member]);
  });
  afterAll(async () => {
    await server.close();
  });

  it("refuses a member's post with not_a_poster and stores nothing", async () => {
    const before = await getConversation(server, owner, channel.id);
    const declared = randomUUID();
    expectError(await post(member, { messageId: declared, intent: 'post' }), 403, 'not_a_poster');
    // No intent is a post.
    const undeclared = randomUUID();
    expectError(await post(member, { messageId: undeclared }), 403, 'not_a_poster');

    expect((await getConversation(server, owner, channel.id)).lastSeq).toBe(before.lastSeq);
    expect(await storedIntent(declared)).toBeUndefined();
    expect(await storedIntent(undeclared)).toBeUndefined();
    const { events } = await sync(server, owner);
    expect(events.map((e) => e.messageId)).not.toContain(declared);
  });

  it('stores and delivers the intent of responses, and of posts by owners and posters', async () => {
    const sent = {
      response: randomUUID(),
      posterPost: randomUUID(),
      ownerPost: randomUUID(),
      ownerResponse: randomUUID(),
    };
    for (const [sender, messageId, intent] of [
      [member, sent.response, 'response'],
      [poster, sent.posterPost, 'post'],
      [owner, sent.ownerPost, undefined],
      [owner, sent.ownerResponse, 'response'],
    ] as const) {
      const body = { messageId, ...(intent === undefined ? {} : { intent }) };
      expectOk(await post(sender, body), 200, sendMessageResponseSchema);
    }
    expect(await storedIntent(sent.response)).toBe('response');
    expect(await storedIntent(sent.ownerPost)).toBe('post');

    const { events } = await sync(server, member);
    const intents = new Map(events.map((e) => [e.messageId ?? `commit ${e.seq}`, e.intent]));
    expect(intents.get(sent.response)).toBe('response');
    expect(intents.get(sent.posterPost)).toBe('post');
    expect(intents.get(sent.ownerPost)).toBe('post');
    expect(intents.get(sent.ownerResponse)).toBe('response');
    for (const event of events.filter((e) => e.type !== 'message')) {
      expect(event.intent).toBeNull();
    }
  });

  it('applies the same rule to WebSocket sends and pushes the intent with the event', async () => {
    const memberSocket = await connectFrames(server.wsUrl, member.token);
    const ownerSocket = await connectFrames(server.wsUrl, owner.token);
    try {
      const header = { conversationId: channel.id, epoch: 1 };
      memberSocket.send({
        kind: 'send',
        header: { ...header, requestId: 1, messageId: randomUUID(), intent: 'post' },
        payload: new Uint8Array([1, 2, 3]),
      });
      const refused = await memberSocket.next('error', (f) => f.header.requestId === 1);
      expect(refused.header.code).toBe('not_a_poster');

      const response = randomUUID();
      memberSocket.send({
        kind: 'send',
        header: { ...header, requestId: 2, messageId: response, intent: 'response' },
        payload: new Uint8Array([4, 5, 6]),
      });
      await memberSocket.next('sent', (f) => f.header.requestId === 2);
      const pushed = await ownerSocket.next('event', (f) => f.header.messageId === response);
      expect(pushed.header.intent).toBe('response');
    } finally {
      memberSocket.close();
      ownerSocket.close();
    }
  });

  it('does not restrict who posts in group conversations', async () => {
    const group = await groupWith(server, owner, [member]);
    const messageId = randomUUID();
    expectOk(
      await post(member, { messageId, intent: 'post' }, group.id),
      200,
      sendMessageResponseSchema,
    );
    expect(await storedIntent(messageId)).toBe('post');
  });

  it('refuses an unknown intent as invalid', async () => {
    const response = await post(owner, { intent: 'announcement' });
    expectError(response, 400, 'invalid_request');
  });
});
