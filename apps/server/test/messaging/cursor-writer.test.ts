import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CursorWriter } from '../../src/messaging/cursor-writer.js';
import { describeOnEachBackend } from '../support/backends.js';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import {
  groupWith,
  newDevice,
  sendMessage,
  MANY_LOGINS,
  type Device,
} from './messaging-fixtures.js';

describeOnEachBackend('acks written together (CursorWriter)', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ backend, ...MANY_LOGINS });
    await setupFirstOrganization(server);
  });
  afterAll(async () => {
    await server.close();
  });

  const ackedSeq = async (device: Device, conversationId: string): Promise<number | undefined> => {
    const row = await server.handle.storage.db
      .selectFrom('conversation_devices')
      .select('acked_seq')
      .where('device_id', '=', device.deviceId)
      .where('conversation_id', '=', conversationId)
      .executeTakeFirst();
    return row?.acked_seq;
  };

  /** An owner and `count` members in one group with three messages: seq 1 (commit) to 4. */
  async function groupOf(count: number): Promise<{ id: string; members: Device[] }> {
    const owner = await newDevice(server);
    const members: Device[] = [];
    for (let i = 0; i < count; i += 1) members.push(await newDevice(server));
    const group = await groupWith(server, owner, members);
    for (let i = 0; i < 3; i += 1) await sendMessage(server, owner, group.id, 1);
    return { id: group.id, members };
  }

  it('writes the acks of many devices handed in at once, the furthest of each, never back', async () => {
    const group = await groupOf(6);
    const writer = new CursorWriter(server.handle.storage.db);
    const [first, second, third, ...others] = group.members;
    if (first === undefined || second === undefined || third === undefined) throw new Error();

    const answers = await Promise.all([
      writer.advance(first.deviceId, [{ conversationId: group.id, seq: 2 }]),
      // The same device twice in one write: the further cursor wins, whatever the order.
      writer.advance(second.deviceId, [{ conversationId: group.id, seq: 4 }]),
      writer.advance(second.deviceId, [{ conversationId: group.id, seq: 3 }]),
      // Past the newest event: stops at it.
      writer.advance(third.deviceId, [{ conversationId: group.id, seq: 99 }]),
      ...others.map((m) => writer.advance(m.deviceId, [{ conversationId: group.id, seq: 1 }])),
    ]);

    // Each member's welcome still waits (only consumeWelcomes removes it, in acknowledge).
    expect(answers).toEqual(answers.map(() => true));
    expect(await ackedSeq(first, group.id)).toBe(2);
    expect(await ackedSeq(second, group.id)).toBe(4);
    expect(await ackedSeq(third, group.id)).toBe(4);
    for (const m of others) expect(await ackedSeq(m, group.id)).toBe(1);

    await writer.advance(second.deviceId, [{ conversationId: group.id, seq: 1 }]);
    expect(await ackedSeq(second, group.id)).toBe(4);
    await writer.close();
  });

  it('says no welcome waits for a device that has none, and leaves unrouted conversations alone', async () => {
    const owner = await newDevice(server);
    const member = await newDevice(server);
    const group = await groupWith(server, owner, [member]);
    const writer = new CursorWriter(server.handle.storage.db);

    expect(await writer.advance(owner.deviceId, [{ conversationId: group.id, seq: 1 }])).toBe(
      false,
    );
    const stranger = await newDevice(server);
    expect(await writer.advance(stranger.deviceId, [{ conversationId: group.id, seq: 1 }])).toBe(
      false,
    );
    expect(await ackedSeq(stranger, group.id)).toBeUndefined();
    await writer.close();
  });

  it('refuses only the ack the database refuses; the others in its write are stored', async () => {
    const group = await groupOf(2);
    const [good, alsoGood] = group.members;
    if (good === undefined || alsoGood === undefined) throw new Error();
    const writer = new CursorWriter(server.handle.storage.db);

    const results = await Promise.allSettled([
      writer.advance(good.deviceId, [{ conversationId: group.id, seq: 3 }]),
      writer.advance(good.deviceId, [{ conversationId: 'not-a-uuid', seq: 3 }]),
      writer.advance(alsoGood.deviceId, [{ conversationId: group.id, seq: 4 }]),
    ]);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await ackedSeq(good, group.id)).toBe(3);
    expect(await ackedSeq(alsoGood, group.id)).toBe(4);
    await writer.close();
  });

  it('writes a backlog larger than one statement takes, and close waits for all of it', async () => {
    const group = await groupOf(1);
    const [member] = group.members;
    if (member === undefined) throw new Error();
    const writer = new CursorWriter(server.handle.storage.db);
    // Cursors of conversations the device is not routed in: each one a row of the statement.
    const unrouted = Array.from({ length: 6_000 }, () => ({
      conversationId: randomUUID(),
      seq: 1,
    }));

    const written = writer.advance(member.deviceId, unrouted);
    const last = writer.advance(member.deviceId, [{ conversationId: group.id, seq: 4 }]);
    await writer.close();

    await expect(written).resolves.toBe(true);
    await expect(last).resolves.toBe(true);
    expect(await ackedSeq(member, group.id)).toBe(4);
  });
});
