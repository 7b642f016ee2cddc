import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sessionViewSchema } from '@amtsbote/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { expectError, expectOk, rawRequest } from '../http/helpers.js';
import { disableUserOverHttp } from '../sessions/identity-fixtures.js';
import { describeOnEachBackend } from '../support/backends.js';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import { connectFrames, type FrameClient } from './frame-client.js';
import {
  MANY_LOGINS,
  anotherDevice,
  call,
  createConversation,
  getConversation,
  groupWith,
  newDevice,
  newUser,
  sendMessage,
  type Device,
} from './messaging-fixtures.js';

/* The roster side of ADR 0008: leaving, membership notices, and the routing cleanup. */

const noticeFor = (conversationId: string) => ({ type: 'membership_changed', conversationId });

/** The membership notices the connection received so far, after a round trip. */
async function noticesOf(connection: FrameClient): Promise<unknown[]> {
  await connection.roundTrip();
  return connection.frames.flatMap((f) =>
    f.kind === 'notice' && f.header.type === 'membership_changed' ? [f.header] : [],
  );
}

describeOnEachBackend('roster routing', (backend) => {
  let server: TestServer;
  let adminToken: string;

  beforeAll(async () => {
    server = await startTestServer({ backend, ...MANY_LOGINS });
    adminToken = (await setupFirstOrganization(server)).token;
  });
  afterAll(async () => {
    await server.close();
  });

  const leave = (device: Device, conversationId: string, body: Record<string, unknown> = {}) =>
    call(server, device, 'POST', `/api/conversations/${conversationId}/leave`, body);

  const routedUntil = async (conversationId: string, device: Device): Promise<number | null> => {
    const row = await server.handle.storage.db
      .selectFrom('conversation_devices')
      .select('until_seq')
      .where('conversation_id', '=', conversationId)
      .where('device_id', '=', device.deviceId)
      .executeTakeFirstOrThrow();
    return row.until_seq;
  };

  it('ends the membership and routing of all the leaver’s devices and records that they left', async () => {
    const owner = await newDevice(server);
    const [laptop, phone] = await newUser(server, 2);
    const conversation = await groupWith(server, owner, [laptop!, phone!]);
    const last = await sendMessage(server, owner, conversation.id, 1);

    expect((await leave(laptop!, conversation.id)).status).toBe(204);

    expect(await routedUntil(conversation.id, laptop!)).toBe(last.seq);
    expect(await routedUntil(conversation.id, phone!)).toBe(last.seq);
    const view = await getConversation(server, owner, conversation.id);
    expect(view.members.map((m) => m.userId)).toEqual([owner.userId]);
    expect(view.deviceIds).toEqual([owner.deviceId]);
    expect(view.formerMembers).toEqual([
      { userId: laptop!.userId, departure: 'left', departedAtSeq: last.seq },
    ]);
    expectError(await leave(phone!, conversation.id), 404, 'conversation_not_found');
    expectError(
      await call(server, phone!, 'GET', `/api/conversations/${conversation.id}`),
      404,
      'conversation_not_found',
    );
  });

  it('keeps the last owner of a group until they name an active member as successor', async () => {
    const owner = await newDevice(server);
    const member = await newDevice(server);
    const stranger = await newDevice(server);
    const conversation = await groupWith(server, owner, [member]);

    expectError(await leave(owner, conversation.id), 409, 'last_owner');
    expectError(
      await leave(owner, conversation.id, { successorUserId: stranger.userId }),
      400,
      'invalid_request',
    );
    expectError(
      await leave(member, conversation.id, { successorUserId: owner.userId }),
      400,
      'invalid_request',
    );
    const unchanged = await getConversation(server, owner, conversation.id);
    expect(unchanged.members).toHaveLength(2);
    expect(unchanged.members).toEqual(
      expect.arrayContaining([
        { userId: owner.userId, role: 'owner' },
        { userId: member.userId, role: 'member' },
      ]),
    );
    expect(unchanged.formerMembers).toEqual([]);

    expect((await leave(owner, conversation.id, { successorUserId: member.userId })).status).toBe(
      204,
    );
    const view = await getConversation(server, member, conversation.id);
    expect(view.members).toEqual([{ userId: member.userId, role: 'owner' }]);
    expect(view.formerMembers).toEqual([
      { userId: owner.userId, departure: 'left', departedAtSeq: unchanged.lastSeq },
    ]);
  });

  it('lets either side of a direct conversation leave, and the last member of a group too', async () => {
    const owner = await newDevice(server);
    const other = await newDevice(server);
    const direct = await createConversation(server, owner, [other], 'direct');
    expect((await leave(owner, direct.id)).status).toBe(204);
    expect((await getConversation(server, other, direct.id)).members).toEqual([
      { userId: other.userId, role: 'member' },
    ]);

    const alone = await createConversation(server, owner, []);
    expect((await leave(owner, alone.id)).status).toBe(204);
  });

  it('tells members’ live devices when routing changes without a commit, and only the users concerned on roster edits', async () => {
    const owner = await newDevice(server);
    const [member, memberSpare] = await newUser(server, 2);
    const leaver = await newDevice(server);
    const disabled = await newDevice(server);
    const added = await newDevice(server);
    const conversation = await groupWith(server, owner, [member!, memberSpare!, leaver, disabled]);
    const notice = noticeFor(conversation.id);
    const [ownerLive, addedLive, leaverLive] = await Promise.all(
      [owner, added, leaver].map((d) => connectFrames(server.wsUrl, d.token)),
    );

    // An owner's roster edit: the owner's device commits next, so members are not told.
    const edit = await call(
      server,
      owner,
      'POST',
      `/api/conversations/${conversation.id}/members`,
      {
        add: [{ userId: added.userId, role: 'member' }],
        remove: [],
      },
    );
    expect(edit.status).toBe(200);
    await vi.waitFor(async () => expect(await noticesOf(addedLive!)).toEqual([notice]));
    expect(await noticesOf(ownerLive!)).toEqual([]);

    // A revoked device, a disabled user, a user who left: the members are told each time.
    const revoke = await call(
      server,
      member!,
      'POST',
      `/api/me/devices/${memberSpare!.deviceId}/revoke`,
    );
    expect(revoke.status).toBe(204);
    await vi.waitFor(async () => expect(await noticesOf(ownerLive!)).toEqual([notice]));
    await disableUserOverHttp(server, adminToken, disabled.userId);
    await vi.waitFor(async () => expect(await noticesOf(ownerLive!)).toEqual([notice, notice]));
    expect((await leave(leaver, conversation.id)).status).toBe(204);
    await vi.waitFor(async () =>
      expect(await noticesOf(ownerLive!)).toEqual([notice, notice, notice]),
    );
    // The leaver's other devices are told too (here: the one that left, still connected).
    expect(await noticesOf(leaverLive!)).toContainEqual(notice);
    for (const connection of [ownerLive, addedLive, leaverLive]) connection!.close();
  });

  it('ends the routing of a revoked device that had no session left', async () => {
    const owner = await newDevice(server);
    const [laptop, phone] = await newUser(server, 2);
    const conversation = await groupWith(server, owner, [laptop!, phone!]);
    const sessions = expectOk(
      await call(server, laptop!, 'GET', '/api/me/sessions'),
      200,
      z.object({ sessions: z.array(sessionViewSchema) }),
    ).sessions;
    for (const session of sessions.filter((x) => x.deviceId === laptop!.deviceId)) {
      const ended = await rawRequest(server, `/api/me/sessions/${session.id}`, {
        method: 'DELETE',
        token: laptop!.token,
      });
      expect(ended.status).toBe(204);
    }

    const revoke = await call(server, phone!, 'POST', `/api/me/devices/${laptop!.deviceId}/revoke`);
    expect(revoke.status).toBe(204);

    await vi.waitFor(async () => {
      expect(await routedUntil(conversation.id, laptop!)).toBe(conversation.lastSeq);
    });
    expect(await routedUntil(conversation.id, phone!)).toBeNull();
  });

  it('refuses an external commit from a device of a user who is no member', async () => {
    const owner = await newDevice(server);
    const member = await newDevice(server);
    const conversation = await groupWith(server, owner, [member]);
    const outsider = await anotherDevice(server, await newDevice(server));
    expectError(
      await call(
        server,
        outsider,
        'POST',
        `/api/conversations/${conversation.id}/external-commits`,
        {
          epoch: 1,
          commit: 'AAAA',
        },
      ),
      404,
      'conversation_not_found',
    );
  });
});

// PGlite only: a restart keeps its data directory (a PostgreSQL test database is per server).
describe('roster routing across a restart', () => {
  it('sweeps at start the routing of devices revoked while no cleanup ran', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'amtsbote-roster-'));
    let server = await startTestServer({ dataDir, ...MANY_LOGINS });
    try {
      await setupFirstOrganization(server);
      const owner = await newDevice(server);
      const member = await newDevice(server);
      const conversation = await groupWith(server, owner, [member]);
      // As if the server stopped between the revoking transaction and its cleanup.
      await server.handle.storage.db
        .updateTable('devices')
        .set({ revoked_at: new Date() })
        .where('id', '=', member.deviceId)
        .execute();
      const before = await server.handle.storage.db
        .selectFrom('conversation_devices')
        .select('until_seq')
        .where('device_id', '=', member.deviceId)
        .executeTakeFirstOrThrow();
      expect(before.until_seq).toBeNull();

      await server.handle.close();
      server = await startTestServer({ dataDir, ...MANY_LOGINS });

      const after = await server.handle.storage.db
        .selectFrom('conversation_devices')
        .select('until_seq')
        .where('conversation_id', '=', conversation.id)
        .where('device_id', '=', member.deviceId)
        .executeTakeFirstOrThrow();
      expect(after.until_seq).toBe(conversation.lastSeq);
    } finally {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
