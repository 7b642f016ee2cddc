import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { expectError } from '../http/helpers.js';
import { disableUserOverHttp } from '../sessions/identity-fixtures.js';
import { describeOnEachBackend } from '../support/backends.js';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import { connectFrames, eventsIn } from './frame-client.js';
import {
  addDevices,
  call,
  createConversation,
  getConversation,
  groupWith,
  newDevice,
  newUser,
  postCommit,
  postMessage,
  sendMessage,
  streamOf,
  type Device,
  MANY_LOGINS,
} from './messaging-fixtures.js';

describeOnEachBackend('sync routing intervals', (backend) => {
  let server: TestServer;
  let adminToken: string;

  beforeAll(async () => {
    server = await startTestServer({ backend, ...MANY_LOGINS });
    adminToken = (await setupFirstOrganization(server)).token;
  });
  afterAll(async () => {
    await server.close();
  });

  /** The seq up to which the device is routed in the conversation (null: no end). */
  const routedUntil = async (conversationId: string, device: Device): Promise<number | null> => {
    const row = await server.handle.storage.db
      .selectFrom('conversation_devices')
      .select('until_seq')
      .where('conversation_id', '=', conversationId)
      .where('device_id', '=', device.deviceId)
      .executeTakeFirstOrThrow();
    return row.until_seq;
  };

  it('never shows a device added by the commit at seq 5 anything up to seq 5', async () => {
    const owner = await newDevice(server);
    const late = await newDevice(server);
    const conversation = await createConversation(server, owner, [late]);
    await postCommit(server, owner, conversation.id, { epoch: 0 });
    for (let i = 0; i < 3; i += 1) await sendMessage(server, owner, conversation.id, 1);

    const added = await addDevices(server, owner, conversation.id, 1, [late]);
    const after = await sendMessage(server, owner, conversation.id, 2);

    expect(added.seq).toBe(5);
    expect(await streamOf(server, late, conversation.id)).toEqual([
      { type: 'welcome', seq: 5 },
      { type: 'message', seq: after.seq },
    ]);
  });

  it('delivers the removing commit to a removed device and nothing sent after it', async () => {
    const owner = await newDevice(server);
    const removed = await newDevice(server);
    const conversation = await groupWith(server, owner, [removed]);
    const before = await sendMessage(server, owner, conversation.id, 1);
    const connection = await connectFrames(server.wsUrl, removed.token);

    const removal = await postCommit(server, owner, conversation.id, {
      epoch: 1,
      removedDeviceIds: [removed.deviceId],
    });
    expect(removal.status).toBe(200);
    const after = await sendMessage(server, owner, conversation.id, 2);

    expect(await streamOf(server, removed, conversation.id)).toEqual([
      { type: 'welcome', seq: 1 },
      { type: 'message', seq: before.seq },
      { type: 'commit', seq: before.seq + 1 },
    ]);
    await connection.next('event', (f) => f.header.seq === before.seq + 1);
    await connection.roundTrip();
    expect(eventsIn(connection, conversation.id)).toEqual([
      { type: 'commit', seq: before.seq + 1 },
    ]);
    expect(after.seq).toBe(before.seq + 2);
    expect((await getConversation(server, owner, conversation.id)).deviceIds).toEqual([
      owner.deviceId,
    ]);
    expectError(
      await postMessage(server, removed, conversation.id, { epoch: 2 }),
      403,
      'not_a_member',
    );
    connection.close();
  });

  it('takes a revoked device out of routing although no commit removed it', async () => {
    const owner = await newDevice(server);
    const [laptop, phone] = await newUser(server, 2);
    const conversation = await groupWith(server, owner, [laptop!, phone!]);
    const ownerConnection = await connectFrames(server.wsUrl, owner.token);

    const revoke = await call(server, phone!, 'POST', `/api/me/devices/${laptop!.deviceId}/revoke`);
    expect(revoke.status).toBe(204);
    await sendMessage(server, phone!, conversation.id, 1);

    expectError(await call(server, laptop!, 'GET', '/api/sync'), 401, 'unauthenticated');
    expect((await getConversation(server, owner, conversation.id)).deviceIds.sort()).toEqual(
      [owner.deviceId, phone!.deviceId].sort(),
    );
    await vi.waitFor(async () => {
      expect(await routedUntil(conversation.id, laptop!)).toBe(conversation.lastSeq);
    });
    expect(await routedUntil(conversation.id, phone!)).toBeNull();
    await ownerConnection.next('event', (f) => f.header.senderDeviceId === phone!.deviceId);
    ownerConnection.close();
  });

  it("takes a disabled user's devices out of routing and keeps them out", async () => {
    const owner = await newDevice(server);
    const member = await newDevice(server);
    const conversation = await groupWith(server, owner, [member]);

    await disableUserOverHttp(server, adminToken, member.userId);
    const whileDisabled = await sendMessage(server, owner, conversation.id, 1);

    expect((await getConversation(server, owner, conversation.id)).deviceIds).toEqual([
      owner.deviceId,
    ]);
    await vi.waitFor(async () => {
      expect(await routedUntil(conversation.id, member)).toBe(conversation.lastSeq);
    });
    expect(whileDisabled.seq).toBeGreaterThan(conversation.lastSeq);
  });

  it('pushes an event only to connected devices whose interval holds it', async () => {
    const owner = await newDevice(server);
    const [inGroup, notYet] = await newUser(server, 2);
    const conversation = await groupWith(server, owner, [inGroup!]);
    const outsider = await newDevice(server);
    const connections = await Promise.all(
      [owner, inGroup!, notYet!, outsider].map((d) => connectFrames(server.wsUrl, d.token)),
    );
    const [ownerConnection, inGroupConnection, notYetConnection, outsiderConnection] = connections;

    const sent = await sendMessage(server, owner, conversation.id, 1);

    const pushed = await inGroupConnection!.next('event');
    expect(pushed.header).toMatchObject({
      type: 'message',
      conversationId: conversation.id,
      seq: sent.seq,
      messageId: sent.messageId,
      senderDeviceId: owner.deviceId,
    });
    for (const connection of [ownerConnection!, notYetConnection!, outsiderConnection!]) {
      await connection.roundTrip();
      expect(eventsIn(connection, conversation.id)).toEqual([]);
    }
    for (const connection of connections) connection.close();
  });
});
