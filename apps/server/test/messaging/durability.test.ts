import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { base64urlEncode } from '@amtsbote/crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeOnEachBackend } from '../support/backends.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import {
  setupFirstOrganization,
  startTestServer,
  type Backend,
  type TestServer,
} from '../support/test-server.js';
import { connectFrames } from './frame-client.js';
import { groupWith, newDevice, sendMessage, sync, type Device } from './messaging-fixtures.js';

/**
 * Storage that outlives one server: a data directory (PGlite) or a database (PostgreSQL) that
 * a second server opens after the first one stopped.
 */
interface LastingStorage {
  start(): Promise<TestServer>;
  remove(): Promise<void>;
}

async function lastingStorage(backend: Backend): Promise<LastingStorage> {
  if (backend === 'pglite') {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'amtsbote-durability-'));
    return {
      start: () => startTestServer({ backend, dataDir }),
      remove: () => rm(dataDir, { recursive: true, force: true }),
    };
  }
  const database: TestDatabase = await createTestDatabase();
  return {
    // The database URL makes the server use PostgreSQL; the test server then neither creates
    // nor drops a database of its own.
    start: () => startTestServer({ env: { AMTSBOTE_DATABASE_URL: database.url } }),
    remove: () => database.drop(),
  };
}

describeOnEachBackend('durability of acknowledged messages', (backend) => {
  let storage: LastingStorage;

  beforeAll(async () => {
    storage = await lastingStorage(backend);
  });
  afterAll(async () => {
    await storage.remove();
  });

  it('still delivers a message after a restart once its send was answered', async () => {
    const first = await storage.start();
    let member: Device;
    let httpCiphertext: string;
    const wsCiphertext = new Uint8Array(randomBytes(120));
    let conversationId: string;
    try {
      await setupFirstOrganization(first);
      const owner = await newDevice(first);
      member = await newDevice(first);
      conversationId = (await groupWith(first, owner, [member])).id;
      httpCiphertext = base64urlEncode(randomBytes(80));
      await sendMessage(first, owner, conversationId, 1, httpCiphertext);
      const connection = await connectFrames(first.wsUrl, owner.token);
      connection.send({
        kind: 'send',
        header: {
          requestId: 1,
          conversationId,
          messageId: randomUUID(),
          epoch: 1,
          intent: 'post',
        },
        payload: wsCiphertext,
      });
      await connection.next('sent');
    } finally {
      await first.close();
    }

    const second = await storage.start();
    try {
      const { events } = await sync(second, member);
      expect(
        events.filter((e) => e.conversationId === conversationId).map((e) => [e.type, e.data]),
      ).toEqual([
        ['welcome', expect.any(String)],
        ['message', httpCiphertext],
        ['message', base64urlEncode(wsCiphertext)],
      ]);
    } finally {
      await second.close();
    }
  });
});
