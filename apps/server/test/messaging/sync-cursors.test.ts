import { randomUUID } from 'node:crypto';
import { sendMessageResponseSchema, type SyncEvent } from '@amtsbote/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MAX_SYNC_PAGE_BYTES } from '../../src/messaging/sync-service.js';
import { expectError, expectOk } from '../http/helpers.js';
import { describeOnEachBackend } from '../support/backends.js';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import {
  ack,
  addDevices,
  createConversation,
  getConversation,
  groupWith,
  newDevice,
  newUser,
  opaque,
  postMessage,
  sendMessage,
  streamOf,
  sync,
  MANY_LOGINS,
} from './messaging-fixtures.js';

describeOnEachBackend('sync cursors and message storage', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ backend, ...MANY_LOGINS });
    await setupFirstOrganization(server);
  });
  afterAll(async () => {
    await server.close();
  });

  const storedMessages = async (conversationId: string, messageId: string) =>
    server.handle.storage.db
      .selectFrom('conversation_events')
      .select(['seq', 'data'])
      .where('conversation_id', '=', conversationId)
      .where('message_id', '=', messageId)
      .execute();

  it('pages a long stream in order and continues after each acknowledged page', async () => {
    const owner = await newDevice(server);
    const member = await newDevice(server);
    const first = await groupWith(server, owner, [member]);
    const second = await groupWith(server, owner, [member]);
    for (let i = 0; i < 3; i += 1) {
      await sendMessage(server, owner, first.id, 1);
      await sendMessage(server, owner, second.id, 1);
    }
    const everything = (await sync(server, member)).events.map(position);
    expect(everything).toHaveLength(8);

    const paged: string[] = [];
    for (let page = 0; page < 10; page += 1) {
      const { events, hasMore } = await sync(server, member, 3);
      paged.push(...events.map(position));
      await ack(
        server,
        member,
        events.map((e) => ({ conversationId: e.conversationId, seq: e.seq })),
      );
      if (!hasMore) break;
    }

    expect(paged).toEqual(everything);
    expect([...everything].sort(byConversationAndSeq)).toEqual(everything);
    expect((await sync(server, member)).events).toEqual([]);
  });

  it('ends a page early when its MLS objects pass the page size, and says there is more', async () => {
    const owner = await newDevice(server);
    const member = await newDevice(server);
    // 3/8 of a page each: two fit in one page, a third does not.
    const large = () => ({
      welcome: opaque(MAX_SYNC_PAGE_BYTES / 8),
      ratchetTree: opaque(MAX_SYNC_PAGE_BYTES / 4),
    });
    for (let i = 0; i < 3; i += 1) {
      const conversation = await createConversation(server, owner, [member]);
      await addDevices(server, owner, conversation.id, 0, [member], large());
    }

    const first = await sync(server, member, 10);

    expect(first.events.map((e) => e.type)).toEqual(['welcome', 'welcome']);
    expect(first.hasMore).toBe(true);
    await ack(
      server,
      member,
      first.events.map((e) => ({ conversationId: e.conversationId, seq: e.seq })),
    );
    const second = await sync(server, member, 10);
    expect({ count: second.events.length, hasMore: second.hasMore }).toEqual({
      count: 1,
      hasMore: false,
    });
  });

  it('moves a cursor forward only and never past the newest event', async () => {
    const owner = await newDevice(server);
    const member = await newDevice(server);
    const conversation = await groupWith(server, owner, [member]);
    const sent = [];
    for (let i = 0; i < 3; i += 1) sent.push(await sendMessage(server, owner, conversation.id, 1));
    const [, second, third] = sent.map((s) => s.seq);

    await ack(server, member, [{ conversationId: conversation.id, seq: second! }]);
    await ack(server, member, [{ conversationId: conversation.id, seq: 1 }]);
    expect(await streamOf(server, member, conversation.id)).toEqual([
      { type: 'message', seq: third },
    ]);

    await ack(server, member, [{ conversationId: conversation.id, seq: 1_000_000 }]);
    expect(await streamOf(server, member, conversation.id)).toEqual([]);
    const later = await sendMessage(server, owner, conversation.id, 1);
    expect(await streamOf(server, member, conversation.id)).toEqual([
      { type: 'message', seq: later.seq },
    ]);
  });

  it('ignores acknowledgements for conversations the device was never in', async () => {
    const owner = await newDevice(server);
    const outsider = await newDevice(server);
    const conversation = await groupWith(server, owner, []);

    await ack(server, outsider, [
      { conversationId: conversation.id, seq: 1 },
      { conversationId: randomUUID(), seq: 1 },
    ]);

    const rows = await server.handle.storage.db
      .selectFrom('conversation_devices')
      .select('device_id')
      .where('conversation_id', '=', conversation.id)
      .execute();
    expect(rows.map((r) => r.device_id)).toEqual([owner.deviceId]);
  });

  it('stores a message once and answers a resend with the same seq and time', async () => {
    const owner = await newDevice(server);
    const member = await newDevice(server);
    const conversation = await groupWith(server, owner, [member]);
    const messageId = randomUUID();
    const ciphertext = opaque(64);
    const send = () =>
      postMessage(server, owner, conversation.id, { epoch: 1, messageId, ciphertext });

    const original = expectOk(await send(), 200, sendMessageResponseSchema);
    const resends = await Promise.all([send(), send(), send()]);

    for (const resend of resends) {
      expect(expectOk(resend, 200, sendMessageResponseSchema)).toEqual(original);
    }
    expect((await storedMessages(conversation.id, messageId)).map((r) => r.seq)).toEqual([
      original.seq,
    ]);
    expect((await getConversation(server, owner, conversation.id)).lastSeq).toBe(original.seq);
    const delivered = (await sync(server, member)).events.filter((e) => e.messageId === messageId);
    expect(delivered.map((e) => [e.seq, e.data])).toEqual([[original.seq, ciphertext]]);
  });

  it('stores one message when the same message is sent several times at once', async () => {
    const owner = await newDevice(server);
    const conversation = await groupWith(server, owner, []);
    const messageId = randomUUID();

    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        postMessage(server, owner, conversation.id, { epoch: 1, messageId }),
      ),
    );

    const seqs = answers.map((a) => expectOk(a, 200, sendMessageResponseSchema).seq);
    expect(new Set(seqs).size).toBe(1);
    expect(await storedMessages(conversation.id, messageId)).toHaveLength(1);
  });

  it('refuses a message id another device already used in the conversation', async () => {
    const owner = await newDevice(server);
    const [laptop, phone] = await newUser(server, 2);
    const conversation = await groupWith(server, owner, [laptop!, phone!]);
    const messageId = randomUUID();
    await postMessage(server, laptop!, conversation.id, { epoch: 1, messageId });

    const reused = await postMessage(server, phone!, conversation.id, { epoch: 1, messageId });

    expect(expectError(reused, 400, 'invalid_request').fields?.map((f) => f.path)).toEqual([
      'messageId',
    ]);
    expect(await storedMessages(conversation.id, messageId)).toHaveLength(1);
  });

  it('refuses an empty ciphertext and text that is not canonical base64url', async () => {
    const owner = await newDevice(server);
    const conversation = await groupWith(server, owner, []);
    for (const ciphertext of ['', 'AB']) {
      const response = await postMessage(server, owner, conversation.id, { epoch: 1, ciphertext });
      expectError(response, 400, 'invalid_request');
    }
    expect((await getConversation(server, owner, conversation.id)).lastSeq).toBe(1);
  });
});

function position(event: SyncEvent): string {
  return `${event.conversationId}/${String(event.seq).padStart(4, '0')}/${event.type}`;
}

function byConversationAndSeq(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
