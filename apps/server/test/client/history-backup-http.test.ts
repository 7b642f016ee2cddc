import { randomBytes, randomUUID } from 'node:crypto';
import { base64urlEncode } from '@amtsbote/crypto';
import {
  MAX_HISTORY_BLOCK_BYTES,
  historyPageResponseSchema,
  putHistoryBlockResponseSchema,
} from '@amtsbote/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, expectApiError } from '../sessions/identity-fixtures.js';
import { describeOnEachBackend } from '../support/backends.js';
import type { TestServer } from '../support/test-server.js';
import {
  closeDevices,
  newPerson,
  personWithDevice,
  signIn,
  startMessagingServer,
  type TestDevice,
} from './client-fixtures.js';

/* The history backup endpoints over plain HTTP: who may read and write which blocks, and the
   limits. The server cannot tell a sealed block from random bytes, so random bytes stand in. */

const QUOTA_MIB = 1;

describeOnEachBackend('history backup endpoints', (backend) => {
  let server: TestServer;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    server = await startMessagingServer({
      backend,
      env: { AMTSBOTE_HISTORY_QUOTA_MB: String(QUOTA_MIB) },
    });
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  const blockPath = (conversationId: string, block: number | string) =>
    `/api/me/history/${conversationId}/blocks/${block}`;
  const put = (
    token: string | null,
    conversationId: string,
    block: number | string,
    bytes: Uint8Array,
    expectedRevision?: number,
  ) =>
    call(server, token, 'PUT', blockPath(conversationId, block), putHistoryBlockResponseSchema, {
      ciphertext: base64urlEncode(bytes),
      ...(expectedRevision === undefined ? {} : { expectedRevision }),
    });
  const list = (token: string | null, conversationId: string, query = '') =>
    call(
      server,
      token,
      'GET',
      `/api/me/history/${conversationId}${query}`,
      historyPageResponseSchema,
    );

  /** Anna and Bernd with devices, in a conversation Anna created; Bernd's token too. */
  async function conversationOfTwo() {
    const anna = await personWithDevice(server, 'anna');
    const bernd = await personWithDevice(server, 'bernd');
    devices.push(anna, bernd);
    const { conversationId } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    return { anna, bernd, conversationId };
  }

  it("keeps each user's blocks to that user: others neither read nor change them", async () => {
    const { anna, bernd, conversationId } = await conversationOfTwo();
    const annas = new Uint8Array(randomBytes(300));
    await put(anna.grant.token, conversationId, 5, annas);
    const carl = await signIn(server, await newPerson(server, 'carl'));

    await expectApiError(list(carl.token, conversationId), {
      status: 404,
      code: 'conversation_not_found',
    });
    await expectApiError(put(carl.token, conversationId, 5, new Uint8Array([1])), {
      status: 404,
      code: 'conversation_not_found',
    });
    await expectApiError(list(null, conversationId), { status: 401, code: 'unauthenticated' });
    await expectApiError(list(anna.grant.token, randomUUID()), {
      status: 404,
      code: 'conversation_not_found',
    });

    // Bernd is a member: he reaches his own blocks only, and writing his changes nothing of Anna's.
    expect(
      (await list(bernd.grant.token, conversationId)).blocks.map((b) => b.block),
    ).not.toContain(5);
    await put(bernd.grant.token, conversationId, 5, new Uint8Array([9, 9, 9]));
    const page = await list(anna.grant.token, conversationId);
    expect(page.blocks.find((b) => b.block === 5)).toMatchObject({
      revision: 1,
      size: 300,
      ciphertext: base64urlEncode(annas),
    });

    // A member who was removed still reaches the history of the time they were in.
    await anna.client.removeMembers(conversationId, [bernd.person.userId]);
    expect((await list(bernd.grant.token, conversationId)).blocks.map((b) => b.block)).toContain(5);
  });

  it('refuses a block over the size limit and a write over the quota with typed errors, changing nothing', async () => {
    const { anna, conversationId } = await conversationOfTwo();
    const token = anna.grant.token;
    await expectApiError(
      put(token, conversationId, 10, new Uint8Array(MAX_HISTORY_BLOCK_BYTES + 1)),
      {
        status: 413,
        code: 'history_block_too_large',
      },
    );
    await expectApiError(
      put(token, conversationId, 10, new Uint8Array(MAX_HISTORY_BLOCK_BYTES + 256 * 1024)),
      { status: 413, code: 'body_too_large' },
    );

    const large = new Uint8Array(randomBytes(700 * 1024));
    const first = await put(token, conversationId, 10, large);
    expect(first).toMatchObject({
      revision: 1,
      size: large.length,
      quotaBytes: QUOTA_MIB * 1024 * 1024,
    });
    await expectApiError(put(token, conversationId, 11, large), {
      status: 507,
      code: 'history_quota_exceeded',
    });
    expect((await list(token, conversationId)).blocks.map((b) => b.block)).not.toContain(11);
    // Replacing a block counts its old size out.
    expect(await put(token, conversationId, 10, large)).toMatchObject({ revision: 2 });

    await expectApiError(put(token, conversationId, 10, large, 1), {
      status: 409,
      code: 'history_block_conflict',
    });
    await expectApiError(put(token, conversationId, 12, new Uint8Array([1]), 3), {
      status: 409,
      code: 'history_block_conflict',
    });
    expect(await put(token, conversationId, 10, new Uint8Array([1, 2]), 2)).toMatchObject({
      revision: 3,
      size: 2,
    });
    for (const block of ['-1', 'x', '01', String(2 ** 53)]) {
      await expectApiError(put(token, conversationId, block, new Uint8Array([1])), {
        status: 400,
        code: 'invalid_request',
      });
    }
    await expectApiError(
      call(server, token, 'PUT', blockPath(conversationId, 13), putHistoryBlockResponseSchema, {
        ciphertext: '',
      }),
      { status: 400, code: 'invalid_request' },
    );
  });

  it('pages through the blocks newest first', async () => {
    const { anna, conversationId } = await conversationOfTwo();
    const token = anna.grant.token;
    for (let block = 0; block < 20; block++) {
      await put(token, conversationId, block + 100, new Uint8Array([block + 1]));
    }
    const first = await list(token, conversationId, '?limit=8');
    expect(first.blocks.map((b) => b.block)).toEqual([119, 118, 117, 116, 115, 114, 113, 112]);
    expect(first.hasMore).toBe(true);
    const second = await list(token, conversationId, '?limit=8&before=112');
    expect(second.blocks.map((b) => b.block)).toEqual([111, 110, 109, 108, 107, 106, 105, 104]);
    const last = await list(token, conversationId, '?limit=8&before=104');
    expect(last.blocks.map((b) => b.block)).toEqual([103, 102, 101, 100]);
    expect(last.hasMore).toBe(false);
    await expectApiError(list(token, conversationId, '?limit=0'), {
      status: 400,
      code: 'invalid_request',
    });
  });
});
