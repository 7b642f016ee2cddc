import { randomUUID } from 'node:crypto';
import {
  conversationViewSchema,
  listConversationsResponseSchema,
  type ConversationView,
} from '@amtsbote/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectError, expectOk } from '../http/helpers.js';
import { createOrganization, disableUserOverHttp } from '../sessions/identity-fixtures.js';
import { describeOnEachBackend } from '../support/backends.js';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import {
  SUITE,
  call,
  createConversation,
  getConversation,
  groupWith,
  newDevice,
  newUser,
  postMessage,
  sendMessage,
  streamOf,
  type Device,
  MANY_LOGINS,
} from './messaging-fixtures.js';

const ORG_B = 'landkreis-beispiel';

describeOnEachBackend('conversations', (backend) => {
  let server: TestServer;
  let adminToken: string;

  beforeAll(async () => {
    server = await startTestServer({ backend, ...MANY_LOGINS });
    adminToken = (await setupFirstOrganization(server)).token;
    await createOrganization(server, { slug: ORG_B, name: 'Landkreis Beispiel' });
  });
  afterAll(async () => {
    await server.close();
  });

  const create = (owner: Device, body: Record<string, unknown>) =>
    call(server, owner, 'POST', '/api/conversations', {
      conversationId: randomUUID(),
      kind: 'group',
      ciphersuite: SUITE,
      memberUserIds: [],
      ...body,
    });

  const updateMembers = (owner: Device, conversationId: string, body: Record<string, unknown>) =>
    call(server, owner, 'POST', `/api/conversations/${conversationId}/members`, body);

  it("makes the creator the owner and the creator's device the group's only device at epoch 0", async () => {
    const owner = await newDevice(server);
    const [anna, bernd] = [await newDevice(server), await newDevice(server)];
    const conversationId = randomUUID();

    const response = await create(owner, {
      conversationId,
      kind: 'channel',
      memberUserIds: [anna.userId, bernd.userId, owner.userId, anna.userId],
      posterUserIds: [bernd.userId],
    });

    const view = expectOk(response, 201, conversationViewSchema);
    expect(view).toEqual({
      id: conversationId,
      kind: 'channel',
      ciphersuite: SUITE,
      epoch: 0,
      lastSeq: 0,
      createdAt: view.createdAt,
      members: expect.arrayContaining([
        { userId: owner.userId, role: 'owner' },
        { userId: anna.userId, role: 'member' },
        { userId: bernd.userId, role: 'poster' },
      ]) as unknown,
      deviceIds: [owner.deviceId],
      formerMembers: [],
    });
    expect(view.members).toHaveLength(3);
    expect(await getConversation(server, anna, conversationId)).toEqual(view);
  });

  it('refuses a conversation id that is taken, in this organization or another one', async () => {
    const owner = await newDevice(server);
    const foreign = await newDevice(server, ORG_B);
    const conversationId = randomUUID();
    expect((await create(owner, { conversationId })).status).toBe(201);

    expectError(await create(owner, { conversationId }), 409, 'conversation_exists');
    expectError(await create(foreign, { conversationId }), 409, 'conversation_exists');
  });

  it.each([
    ['a direct conversation with two others', { kind: 'direct', others: 2 }, 'memberUserIds'],
    ['a direct conversation with nobody else', { kind: 'direct', others: 0 }, 'memberUserIds'],
    ['posters in a group', { kind: 'group', others: 1, poster: true }, 'posterUserIds'],
  ] as const)('refuses %s with 400 naming the field', async (_case, shape, field) => {
    const owner = await newDevice(server);
    const others = await Promise.all(Array.from({ length: shape.others }, () => newDevice(server)));
    const response = await create(owner, {
      kind: shape.kind,
      memberUserIds: others.map((o) => o.userId),
      ...('poster' in shape ? { posterUserIds: [others[0]?.userId] } : {}),
    });
    const error = expectError(response, 400, 'invalid_request');
    expect(error.fields?.map((f) => f.path)).toEqual([field]);
  });

  it('answers 404 user_not_found for members that are unknown, disabled or of another organization', async () => {
    const owner = await newDevice(server);
    const foreign = await newDevice(server, ORG_B);
    const disabled = await newDevice(server);
    await disableUserOverHttp(server, adminToken, disabled.userId);

    for (const userId of [randomUUID(), foreign.userId, disabled.userId]) {
      expectError(await create(owner, { memberUserIds: [userId] }), 404, 'user_not_found');
    }
  });

  it("lists exactly the conversations the caller's user is a member of", async () => {
    const [laptop, phone] = await newUser(server, 2);
    const other = await newDevice(server);
    const mine = await createConversation(server, laptop!, []);
    const shared = await createConversation(server, other, [laptop!]);
    await createConversation(server, other, []);

    const listed = expectOk(
      await call(server, phone!, 'GET', '/api/conversations'),
      200,
      listConversationsResponseSchema,
    ).conversations;

    expect(listed.map((c) => c.id)).toEqual([mine.id, shared.id]);
  });

  it('answers 404 to non-members and other organizations exactly as for unknown ids', async () => {
    const owner = await newDevice(server);
    const outsider = await newDevice(server);
    const foreign = await newDevice(server, ORG_B);
    const conversation = await groupWith(server, owner, []);
    const paths = (id: string) =>
      [
        ['GET', `/api/conversations/${id}`, undefined],
        ['GET', `/api/conversations/${id}/group-info`, undefined],
        ['POST', `/api/conversations/${id}/members`, { add: [], remove: [] }],
        [
          'POST',
          `/api/conversations/${id}/messages`,
          { messageId: randomUUID(), epoch: 1, ciphertext: 'AAAA' },
        ],
        ['POST', `/api/conversations/${id}/commits`, { epoch: 1, commit: 'AAAA' }],
        ['POST', `/api/conversations/${id}/external-commits`, { epoch: 1, commit: 'AAAA' }],
      ] as const;

    for (const caller of [outsider, foreign]) {
      const unknownAnswers = paths(randomUUID());
      const knownAnswers = paths(conversation.id);
      for (const [index, [method, path, body]] of knownAnswers.entries()) {
        const [, unknownPath, unknownBody] = unknownAnswers[index]!;
        const unknown = expectError(
          await call(server, caller, method, unknownPath, unknownBody),
          404,
          'conversation_not_found',
        );
        const known = expectError(
          await call(server, caller, method, path, body),
          404,
          'conversation_not_found',
        );
        expect(known.message).toBe(unknown.message);
      }
    }
    expect((await getConversation(server, owner, conversation.id)).lastSeq).toBe(1);
  });

  it('lets only owners change the members, and not the members of a direct conversation', async () => {
    const owner = await newDevice(server);
    const member = await newDevice(server);
    const newcomer = await newDevice(server);
    const group = await createConversation(server, owner, [member]);
    const direct = await createConversation(server, owner, [member], 'direct');
    const add = { add: [{ userId: newcomer.userId, role: 'member' }] };

    expectError(await updateMembers(member, group.id, add), 403, 'forbidden');
    expectError(await updateMembers(owner, direct.id, add), 400, 'invalid_request');
    expectError(
      await updateMembers(owner, group.id, { add: [{ userId: randomUUID(), role: 'member' }] }),
      404,
      'user_not_found',
    );
    expectError(
      await updateMembers(owner, group.id, { add: [{ userId: newcomer.userId, role: 'poster' }] }),
      400,
      'invalid_request',
    );
    expectError(
      await updateMembers(owner, group.id, { remove: [owner.userId] }),
      400,
      'invalid_request',
    );

    const updated = expectOk(
      await updateMembers(owner, group.id, {
        add: [{ userId: newcomer.userId, role: 'owner' }],
        remove: [member.userId],
      }),
      200,
      conversationViewSchema,
    );
    expect(sortedMembers(updated)).toEqual(
      sortedMembers({
        members: [
          { userId: owner.userId, role: 'owner' },
          { userId: newcomer.userId, role: 'owner' },
        ],
      }),
    );
    expectError(
      await call(server, member, 'GET', `/api/conversations/${group.id}`),
      404,
      'conversation_not_found',
    );
  });

  it("stops routing to a removed user's devices at once and refuses their sends", async () => {
    const owner = await newDevice(server);
    const [leaving] = await newUser(server, 1);
    const conversation = await groupWith(server, owner, [leaving!]);
    const before = await sendMessage(server, owner, conversation.id, 1);

    const updated = expectOk(
      await updateMembers(owner, conversation.id, { remove: [leaving!.userId] }),
      200,
      conversationViewSchema,
    );
    expect(updated.deviceIds).toEqual([owner.deviceId]);
    const after = await sendMessage(server, owner, conversation.id, 1);

    const seen = (await streamOf(server, leaving!, conversation.id)).map((e) => e.seq);
    expect(seen).toContain(before.seq);
    expect(seen).not.toContain(after.seq);
    expectError(
      await postMessage(server, leaving!, conversation.id, { epoch: 1 }),
      404,
      'conversation_not_found',
    );
  });

  it('lets a removed user back in as a member whose devices join by commit again', async () => {
    const owner = await newDevice(server);
    const returning = await newDevice(server);
    const conversation = await groupWith(server, owner, [returning]);
    await updateMembers(owner, conversation.id, { remove: [returning.userId] });

    const view = expectOk(
      await updateMembers(owner, conversation.id, {
        add: [{ userId: returning.userId, role: 'member' }],
      }),
      200,
      conversationViewSchema,
    );

    expect(sortedMembers(view).map((m) => m.userId)).toEqual(
      [owner.userId, returning.userId].sort(),
    );
    expect(view.deviceIds).toEqual([owner.deviceId]);
    expectError(
      await postMessage(server, returning, conversation.id, { epoch: 1 }),
      403,
      'not_a_member',
    );
  });
});

function sortedMembers(view: Pick<ConversationView, 'members'>): ConversationView['members'] {
  return [...view.members].sort((a, b) => a.userId.localeCompare(b.userId));
}
