import { randomBytes, randomUUID } from 'node:crypto';
import type { Frame } from '@amtsbote/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { EPHEMERAL_BURST, EPHEMERAL_PER_SECOND } from '../../src/ws/frame-handler.js';
import { describeOnEachBackend } from '../support/backends.js';
import { dumpDatabase } from '../support/database-dump.js';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import { connectFrames, type FrameClient } from './frame-client.js';
import {
  MANY_LOGINS,
  addDevices,
  anotherDevice,
  getConversation,
  groupWith,
  newDevice,
  streamOf,
} from './messaging-fixtures.js';

/** Printable, so the database dump (bytea as 'escape') and the logs would show it verbatim. */
const canary = (): Uint8Array =>
  new TextEncoder().encode(`EphemeralCanary-${randomBytes(8).toString('hex')}`);

function ephemeral(conversationId: string, epoch: number, payload: Uint8Array): Frame {
  return { kind: 'ephemeral', header: { conversationId, epoch }, payload };
}

/** Waits until the connection received this many error frames, and returns all of them. */
async function errorsOf(client: FrameClient, count: number): Promise<Frame[]> {
  const all = (): Frame[] => client.frames.filter((f) => f.kind === 'error');
  await client.next('error', () => all().length >= count);
  return all();
}

const relayedTo = (client: FrameClient): Extract<Frame, { kind: 'ephemeral_event' }>[] =>
  client.frames.filter(
    (f): f is Extract<Frame, { kind: 'ephemeral_event' }> => f.kind === 'ephemeral_event',
  );

describeOnEachBackend('ephemeral frames', (backend) => {
  let server: TestServer;
  const clock = new ManualClock(new Date());
  const connections: FrameClient[] = [];

  async function connect(token: string): Promise<FrameClient> {
    const connection = await connectFrames(server.wsUrl, token);
    connections.push(connection);
    return connection;
  }

  beforeAll(async () => {
    server = await startTestServer({ backend, clock, ...MANY_LOGINS });
    await setupFirstOrganization(server);
  });
  afterAll(async () => {
    for (const connection of connections) connection.close();
    await server.close();
  });

  it('relays to the other connected devices of the group, not to the sender, and stores nothing', async () => {
    const owner = await newDevice(server);
    const member = await newDevice(server);
    const conversation = await groupWith(server, owner, [member]);
    const ownersOtherDevice = await anotherDevice(server, owner);
    await addDevices(server, owner, conversation.id, 1, [ownersOtherDevice]);
    const stranger = await newDevice(server);
    const streamBefore = await streamOf(server, member, conversation.id);
    const [ownerConnection, memberConnection, otherConnection, strangerConnection] =
      await Promise.all([owner, member, ownersOtherDevice, stranger].map((d) => connect(d.token)));
    const payload = canary();

    ownerConnection!.send(ephemeral(conversation.id, 2, payload));

    for (const receiver of [memberConnection!, otherConnection!]) {
      const relayed = await receiver.next('ephemeral_event');
      expect(relayed.header).toEqual({
        conversationId: conversation.id,
        senderDeviceId: owner.deviceId,
        epoch: 2,
      });
      expect(Buffer.from(relayed.payload).equals(Buffer.from(payload))).toBe(true);
    }
    // Everything the server wrote to these connections before the round trip has arrived.
    await ownerConnection!.roundTrip();
    await strangerConnection!.roundTrip();
    expect(relayedTo(ownerConnection!)).toEqual([]);
    expect(relayedTo(strangerConnection!)).toEqual([]);
    expect(ownerConnection!.frames.filter((f) => f.kind === 'error')).toHaveLength(1);
    expect(await streamOf(server, member, conversation.id)).toEqual(streamBefore);
    expect((await getConversation(server, owner, conversation.id)).lastSeq).toBe(2);
    const marker = new TextDecoder().decode(payload);
    expect((await dumpDatabase(server)).filter((v) => v.includes(marker))).toEqual([]);
    expect(server.logs.filter((line) => line.includes(marker))).toEqual([]);
  });

  it('refuses a device outside the group with not_a_member and relays nothing', async () => {
    const owner = await newDevice(server);
    const member = await newDevice(server);
    const conversation = await groupWith(server, owner, [member]);
    const stranger = await newDevice(server);
    const membersUnjoinedDevice = await anotherDevice(server, member);
    const ownerConnection = await connect(owner.token);
    const refusedSenders = [stranger, membersUnjoinedDevice];
    const refused = await Promise.all(refusedSenders.map((d) => connect(d.token)));

    for (const connection of refused) {
      connection.send(ephemeral(conversation.id, 1, canary()));
      connection.send(ephemeral(randomUUID(), 0, canary()));
    }

    for (const connection of refused) {
      expect((await errorsOf(connection, 2)).map((f) => f.header)).toEqual([
        { requestId: null, code: 'not_a_member', message: expect.any(String) as unknown },
        { requestId: null, code: 'not_a_member', message: expect.any(String) as unknown },
      ]);
    }
    // The refusals came after the routing check: had anything been pushed, it was written first.
    await ownerConnection.roundTrip();
    expect(relayedTo(ownerConnection)).toEqual([]);
  });

  it('refuses a removed device and a message of another epoch', async () => {
    const owner = await newDevice(server);
    const member = await newDevice(server);
    const leaver = await newDevice(server);
    const conversation = await groupWith(server, owner, [member, leaver]);
    await addDevices(server, owner, conversation.id, 1, [], {
      removedDeviceIds: [leaver.deviceId],
    });
    const [ownerConnection, memberConnection, leaverConnection] = await Promise.all(
      [owner, member, leaver].map((d) => connect(d.token)),
    );

    leaverConnection!.send(ephemeral(conversation.id, 2, canary()));
    memberConnection!.send(ephemeral(conversation.id, 1, canary()));

    expect((await leaverConnection!.next('error')).header.code).toBe('not_a_member');
    expect((await memberConnection!.next('error')).header).toEqual({
      requestId: null,
      code: 'epoch_conflict',
      message: expect.any(String) as unknown,
      currentEpoch: 2,
    });
    await ownerConnection!.roundTrip();
    expect(relayedTo(ownerConnection!)).toEqual([]);
  });

  it('drops what exceeds the rate limit, answering too_many_requests once, and recovers', async () => {
    const owner = await newDevice(server);
    const member = await newDevice(server);
    const conversation = await groupWith(server, owner, [member]);
    const [ownerConnection, memberConnection] = await Promise.all(
      [owner, member].map((d) => connect(d.token)),
    );
    const relayedCount = (count: number): Promise<unknown> =>
      memberConnection!.next('ephemeral_event', () => relayedTo(memberConnection!).length >= count);

    for (let i = 0; i < EPHEMERAL_BURST + 5; i++) {
      ownerConnection!.send(ephemeral(conversation.id, 1, canary()));
    }
    await relayedCount(EPHEMERAL_BURST);
    await ownerConnection!.roundTrip();
    await memberConnection!.roundTrip();

    expect(relayedTo(memberConnection!)).toHaveLength(EPHEMERAL_BURST);
    const errors = await errorsOf(ownerConnection!, 2);
    expect(errors.map((f) => f.kind === 'error' && f.header.code)).toEqual([
      'too_many_requests',
      'invalid_frame',
    ]);

    clock.advance(1000);
    for (let i = 0; i < EPHEMERAL_PER_SECOND; i++) {
      ownerConnection!.send(ephemeral(conversation.id, 1, canary()));
    }
    await relayedCount(EPHEMERAL_BURST + EPHEMERAL_PER_SECOND);
    // The bucket is empty again, and a new stretch of excess is answered again (once).
    ownerConnection!.send(ephemeral(conversation.id, 1, canary()));
    ownerConnection!.send(ephemeral(conversation.id, 1, canary()));
    await ownerConnection!.roundTrip();
    expect(
      (await errorsOf(ownerConnection!, 4)).map((f) => f.kind === 'error' && f.header.code),
    ).toEqual(['too_many_requests', 'invalid_frame', 'too_many_requests', 'invalid_frame']);
    expect(relayedTo(memberConnection!)).toHaveLength(EPHEMERAL_BURST + EPHEMERAL_PER_SECOND);
  });
});
