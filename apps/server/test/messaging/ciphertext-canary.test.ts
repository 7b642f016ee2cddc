import { randomBytes, randomUUID } from 'node:crypto';
import { base64urlEncode } from '@amtsbote/crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import { connectFrames } from './frame-client.js';
import {
  SUITE,
  addDevices,
  call,
  createConversation,
  groupWith,
  newDevice,
  postMessage,
  sendMessage,
  MANY_LOGINS,
} from './messaging-fixtures.js';

const suffix = randomBytes(8).toString('hex');
/** Bytes we plant as "ciphertext"; each is unique to this run, so a hit cannot be chance. */
const canary = (name: string): Uint8Array => Buffer.from(`CanaryCiphertext-${name}-${suffix}`);
const PLANTED = {
  httpMessage: canary('http-message'),
  wsMessage: canary('ws-message'),
  refusedMessage: canary('refused-message'),
  malformedFrame: canary('malformed-frame'),
  commit: canary('commit'),
  welcome: canary('welcome'),
  keyPackage: canary('key-package'),
} as const;
const STORED: readonly (keyof typeof PLANTED)[] = [
  'httpMessage',
  'wsMessage',
  'commit',
  'welcome',
  'keyPackage',
];

describe('ciphertext in logs and storage', () => {
  let server: TestServer;
  let conversationId: string;

  beforeAll(async () => {
    server = await startTestServer(MANY_LOGINS);
    await setupFirstOrganization(server);
    const owner = await newDevice(server);
    const member = await newDevice(server);
    conversationId = (await groupWith(server, owner, [])).id;
    await sendMessage(server, owner, conversationId, 1, base64urlEncode(PLANTED.httpMessage));
    await postMessage(server, owner, conversationId, {
      epoch: 0,
      ciphertext: base64urlEncode(PLANTED.refusedMessage),
    });
    const second = await createConversation(server, owner, [member]);
    await addDevices(server, owner, second.id, 0, [member], {
      commit: base64urlEncode(PLANTED.commit),
      welcome: base64urlEncode(PLANTED.welcome),
    });
    await call(server, member, 'POST', '/api/me/key-packages', {
      ciphersuite: SUITE,
      oneTime: [base64urlEncode(PLANTED.keyPackage)],
    });

    const connection = await connectFrames(server.wsUrl, owner.token);
    connection.send({
      kind: 'send',
      header: {
        requestId: 1,
        conversationId,
        messageId: randomUUID(),
        epoch: 1,
        intent: 'post',
      },
      payload: PLANTED.wsMessage,
    });
    await connection.next('sent');
    connection.sendRaw(
      Buffer.concat([Buffer.from([1, 2, 0, 0, 0, 2, 0x7b, 0x7d]), PLANTED.malformedFrame]),
    );
    await connection.next('error');
    connection.close();
  });
  afterAll(async () => {
    await server.close();
  });

  it('writes no planted ciphertext to the logs, raw or as base64url', () => {
    const logs = server.logs.join('\n');
    expect(logs).toContain('request completed');
    for (const [name, bytes] of Object.entries(PLANTED)) {
      const forms = [Buffer.from(bytes).toString('utf8'), base64urlEncode(bytes)];
      for (const form of forms)
        expect({ name, found: logs.includes(form) }).toEqual({ name, found: false });
    }
  });

  it('stores accepted ciphertext as exactly the bytes sent, and refused ciphertext nowhere', async () => {
    const db = server.handle.storage.db;
    const holding = async (bytes: Uint8Array): Promise<string[]> => {
      const { rows } = await sql<{ source: string }>`
        select 'event' as source from conversation_events where data = ${bytes}
        union all select 'welcome' from welcomes where data = ${bytes}
        union all select 'key package' from key_packages where data = ${bytes}
        union all select 'event containing' from conversation_events
          where position(${bytes}::bytea in data) > 0 and data <> ${bytes}
      `.execute(db);
      return rows.map((r) => r.source);
    };
    expect(await holding(PLANTED.httpMessage)).toEqual(['event']);
    expect(await holding(PLANTED.wsMessage)).toEqual(['event']);
    expect(await holding(PLANTED.commit)).toEqual(['event']);
    expect(await holding(PLANTED.welcome)).toEqual(['welcome']);
    expect(await holding(PLANTED.keyPackage)).toEqual(['key package']);
    for (const name of Object.keys(PLANTED) as (keyof typeof PLANTED)[]) {
      if (!STORED.includes(name))
        expect({ name, rows: await holding(PLANTED[name]) }).toEqual({ name, rows: [] });
    }
  });
});
