import { randomUUID } from 'node:crypto';
import { groupInfoResponseSchema, submitCommitResponseSchema } from '@amtsbote/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectError, expectOk } from '../http/helpers.js';
import { createOrganization } from '../sessions/identity-fixtures.js';
import { describeOnEachBackend } from '../support/backends.js';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import {
  ack,
  addDevices,
  anotherDevice,
  call,
  createConversation,
  getConversation,
  groupWith,
  newDevice,
  newUser,
  opaque,
  postCommit,
  postMessage,
  streamOf,
  sync,
  MANY_LOGINS,
} from './messaging-fixtures.js';

const ORG_B = 'landkreis-beispiel';

describeOnEachBackend('commits and welcomes', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ backend, ...MANY_LOGINS });
    await setupFirstOrganization(server);
    await createOrganization(server, { slug: ORG_B, name: 'Landkreis Beispiel' });
  });
  afterAll(async () => {
    await server.close();
  });

  const countWelcomes = async (conversationId: string): Promise<number> =>
    (
      await server.handle.storage.db
        .selectFrom('welcomes')
        .select('id')
        .where('conversation_id', '=', conversationId)
        .execute()
    ).length;

  it('accepts a commit only for the current epoch and tells others the current epoch', async () => {
    const owner = await newDevice(server);
    const conversation = await createConversation(server, owner, []);

    const first = await postCommit(server, owner, conversation.id, { epoch: 0 });
    expect(expectOk(first, 200, submitCommitResponseSchema)).toEqual({ epoch: 1, seq: 1 });

    for (const stale of [0, 5]) {
      const refused = await postCommit(server, owner, conversation.id, { epoch: stale });
      expect(expectError(refused, 409, 'epoch_conflict').currentEpoch).toBe(1);
    }
    const message = await postMessage(server, owner, conversation.id, { epoch: 0 });
    expect(expectError(message, 409, 'epoch_conflict').currentEpoch).toBe(1);
    expect(await getConversation(server, owner, conversation.id)).toMatchObject({
      epoch: 1,
      lastSeq: 1,
    });
  });

  it('accepts exactly one of two commits for the same epoch sent at the same moment', async () => {
    const rounds = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const owner = await newDevice(server);
        const member = await newDevice(server);
        const conversation = await groupWith(server, owner, [member]);
        return { owner, member, conversation };
      }),
    );

    const outcomes = await Promise.all(
      rounds.map(({ owner, member, conversation }) =>
        Promise.all(
          [owner, member].map((device) =>
            postCommit(server, device, conversation.id, { epoch: 1 }),
          ),
        ),
      ),
    );

    for (const [index, responses] of outcomes.entries()) {
      const accepted = responses.filter((r) => r.status === 200);
      const refused = responses.filter((r) => r.status !== 200);
      expect(accepted.map((r) => expectOk(r, 200, submitCommitResponseSchema))).toEqual([
        { epoch: 2, seq: 2 },
      ]);
      expect(refused.map((r) => expectError(r, 409, 'epoch_conflict').currentEpoch)).toEqual([2]);
      const { owner, conversation } = rounds[index]!;
      const commits = (await streamOf(server, owner, conversation.id)).filter(
        (e) => e.type === 'commit',
      );
      expect(commits.map((e) => e.seq)).toEqual([1, 2]);
    }
  });

  it('refuses to add devices that are not live devices of members, and changes nothing', async () => {
    const owner = await newDevice(server);
    const [member, memberSpare] = await newUser(server, 2);
    const outsider = await newDevice(server);
    const foreign = await newDevice(server, ORG_B);
    const conversation = await createConversation(server, owner, [member!]);
    await call(server, member!, 'POST', `/api/me/devices/${memberSpare!.deviceId}/revoke`);

    for (const deviceId of [
      outsider.deviceId,
      foreign.deviceId,
      memberSpare!.deviceId,
      owner.deviceId,
      randomUUID(),
    ]) {
      const response = await postCommit(server, owner, conversation.id, {
        epoch: 0,
        addedDeviceIds: [deviceId],
        welcome: opaque(),
      });
      const error = expectError(response, 400, 'invalid_request');
      expect(error.fields?.map((f) => f.path)).toEqual(['addedDeviceIds']);
    }
    const withoutWelcome = await postCommit(server, owner, conversation.id, {
      epoch: 0,
      addedDeviceIds: [member!.deviceId],
    });
    expectError(withoutWelcome, 400, 'invalid_request');
    const unknownRemoval = await postCommit(server, owner, conversation.id, {
      epoch: 0,
      removedDeviceIds: [member!.deviceId],
    });
    expectError(unknownRemoval, 400, 'invalid_request');

    expect(await getConversation(server, owner, conversation.id)).toMatchObject({
      epoch: 0,
      lastSeq: 0,
      deviceIds: [owner.deviceId],
    });
  });

  it('refuses commits and messages from a device of a member that is not in the group', async () => {
    const owner = await newDevice(server);
    const member = await newDevice(server);
    const conversation = await createConversation(server, owner, [member]);

    expectError(
      await postCommit(server, member, conversation.id, { epoch: 0 }),
      403,
      'not_a_member',
    );
    expectError(
      await postMessage(server, member, conversation.id, { epoch: 0 }),
      403,
      'not_a_member',
    );
  });

  it("lets any member remove a former member's device, and only owners a current member's", async () => {
    const owner = await newDevice(server);
    const [anna, bernd] = [await newDevice(server), await newDevice(server)];
    const conversation = await groupWith(server, owner, [anna, bernd]);
    const removeBernd = (committer: typeof owner, epoch: number) =>
      postCommit(server, committer, conversation.id, {
        epoch,
        removedDeviceIds: [bernd.deviceId],
      });

    expectError(await removeBernd(anna, 1), 403, 'forbidden');
    const members = await call(
      server,
      owner,
      'POST',
      `/api/conversations/${conversation.id}/members`,
      {
        remove: [bernd.userId],
      },
    );
    expect(members.status).toBe(200);
    expect(expectOk(await removeBernd(anna, 1), 200, submitCommitResponseSchema).epoch).toBe(2);
    const ownerRemovesAnna = await postCommit(server, owner, conversation.id, {
      epoch: 2,
      removedDeviceIds: [anna.deviceId],
    });
    expect(expectOk(ownerRemovesAnna, 200, submitCommitResponseSchema).epoch).toBe(3);
    expect((await getConversation(server, owner, conversation.id)).deviceIds).toEqual([
      owner.deviceId,
    ]);
  });

  it('routes a welcome only to the devices it adds, with its ratchet tree and commit seq', async () => {
    const owner = await newDevice(server);
    const [laptop, phone] = await newUser(server, 2);
    const conversation = await createConversation(server, owner, [laptop!]);
    const welcome = opaque(300);
    const ratchetTree = opaque(200);

    const added = await addDevices(server, owner, conversation.id, 0, [laptop!], {
      welcome,
      ratchetTree,
    });

    const laptopEvents = (await sync(server, laptop!)).events;
    expect(laptopEvents).toEqual([
      {
        type: 'welcome',
        conversationId: conversation.id,
        seq: added.seq,
        epoch: 1,
        senderDeviceId: owner.deviceId,
        messageId: null,
        intent: null,
        sentAt: laptopEvents[0]?.sentAt,
        data: welcome,
        ratchetTree,
      },
    ]);
    expect(await streamOf(server, phone!, conversation.id)).toEqual([]);
    expect(await streamOf(server, owner, conversation.id)).toEqual([
      { type: 'commit', seq: added.seq },
    ]);

    await ack(server, laptop!, [{ conversationId: conversation.id, seq: added.seq }]);
    expect(await streamOf(server, laptop!, conversation.id)).toEqual([]);
    expect(await countWelcomes(conversation.id)).toBe(0);
  });

  it('keeps a welcome for several devices until each of them has consumed it', async () => {
    const owner = await newDevice(server);
    const [laptop, phone] = await newUser(server, 2);
    const conversation = await createConversation(server, owner, [laptop!]);
    const added = await addDevices(server, owner, conversation.id, 0, [laptop!, phone!]);

    await ack(server, laptop!, [{ conversationId: conversation.id, seq: added.seq }]);
    expect(await countWelcomes(conversation.id)).toBe(1);
    expect(await streamOf(server, phone!, conversation.id)).toEqual([
      { type: 'welcome', seq: added.seq },
    ]);

    await ack(server, phone!, [{ conversationId: conversation.id, seq: added.seq }]);
    expect(await countWelcomes(conversation.id)).toBe(0);
  });

  it("serves the newest group info and lets a member's new device join by external commit", async () => {
    const owner = await newDevice(server);
    const member = await newDevice(server);
    const conversation = await createConversation(server, owner, [member]);
    const [groupInfo, ratchetTree] = [opaque(120), opaque(90)];
    await addDevices(server, owner, conversation.id, 0, [member], { groupInfo, ratchetTree });
    const newcomer = await anotherDevice(server, member);
    const groupInfoOf = async () =>
      expectOk(
        await call(server, newcomer, 'GET', `/api/conversations/${conversation.id}/group-info`),
        200,
        groupInfoResponseSchema,
      );
    expect(await groupInfoOf()).toEqual({ epoch: 1, groupInfo, ratchetTree });

    const externalCommit = (epoch: number, extra: Record<string, unknown> = {}) =>
      call(server, newcomer, 'POST', `/api/conversations/${conversation.id}/external-commits`, {
        epoch,
        commit: opaque(),
        ...extra,
      });
    expectError(await externalCommit(0), 409, 'epoch_conflict');
    const nextGroupInfo = opaque(120);
    const joined = expectOk(
      await externalCommit(1, { groupInfo: nextGroupInfo }),
      200,
      submitCommitResponseSchema,
    );

    expect(joined).toEqual({ epoch: 2, seq: 2 });
    expect(await groupInfoOf()).toEqual({ epoch: 2, groupInfo: nextGroupInfo, ratchetTree: null });
    expect((await getConversation(server, owner, conversation.id)).deviceIds.sort()).toEqual(
      [owner.deviceId, member.deviceId, newcomer.deviceId].sort(),
    );
    expect(await streamOf(server, newcomer, conversation.id)).toEqual([]);
    const ownerStream = (await sync(server, owner)).events.filter(
      (e) => e.conversationId === conversation.id && e.seq === 2,
    );
    expect(ownerStream.map((e) => [e.type, e.senderDeviceId])).toEqual([
      ['commit', newcomer.deviceId],
    ]);
    expectError(await externalCommit(2), 400, 'invalid_request');

    await postCommit(server, owner, conversation.id, { epoch: 2 });
    expect(await groupInfoOf()).toEqual({ epoch: 3, groupInfo: null, ratchetTree: null });
  });
});
