import { randomBytes } from 'node:crypto';
import { COLLECTIONS, EncryptedStore, MemoryStore } from '@amtsbote/client';
import { generateStorageKeyBytes, importStorageKey } from '@amtsbote/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  closeDevices,
  eventually,
  personWithDevice,
  startMessagingServer,
  textsShown,
  type TestDevice,
} from './client-fixtures.js';
import { dumpDatabase } from '../support/database-dump.js';

const suffix = randomBytes(8).toString('hex');
/** Texts we plant; each is unique to this run, so a hit cannot be a coincidence. */
const PLANTED = {
  name: `CanaryName-${suffix}`,
  topic: `CanaryTopic-${suffix}`,
  text: `CanaryText-${suffix}`,
  edit: `CanaryEdit-${suffix}`,
  reply: `CanaryReply-${suffix}`,
} as const;

/** Every key and value of a store's backend, values decoded as Latin-1 so any bytes show. */
async function dumpStore(store: MemoryStore): Promise<string[]> {
  const values: string[] = [];
  for (const collection of COLLECTIONS) {
    for (const key of await store.list(collection)) {
      values.push(key, Buffer.from((await store.get(collection, key)) ?? []).toString('latin1'));
    }
  }
  return values;
}

describe('message content through the whole stack', () => {
  let server: TestServer;
  let conversationId: string;
  let databaseValues: string[];
  let annaBackend: MemoryStore;
  let devices: TestDevice[] = [];

  beforeAll(async () => {
    server = await startMessagingServer();
    annaBackend = new MemoryStore();
    const store = new EncryptedStore(
      annaBackend,
      await importStorageKey(generateStorageKeyBytes()),
    );
    const anna = await personWithDevice(server, 'anna', { store });
    const bernd = await personWithDevice(server, 'bernd');
    devices = [anna, bernd];
    ({ conversationId } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
      name: PLANTED.name,
      topic: PLANTED.topic,
    }));
    const sent = await anna.client.sendText(conversationId, PLANTED.text);
    await anna.client.send(conversationId, {
      type: 'edit',
      target: sent.messageId,
      text: PLANTED.edit,
    });
    await bernd.client.sendText(conversationId, PLANTED.reply);
    await textsShown(anna, conversationId, 2);
    await eventually(
      () => bernd.client.timeline(conversationId),
      (items) => items.some((i) => i.kind === 'message' && i.editedAt !== null),
      'the edit on Bernd’s device',
    );
    databaseValues = await dumpDatabase(server);
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  it('reaches the other member in clear', async () => {
    const [, bernd] = devices;
    const texts = (await bernd!.client.timeline(conversationId)).flatMap((i) =>
      i.kind === 'message' && i.content?.type === 'text' ? [i.content.text] : [],
    );
    expect(texts).toEqual([PLANTED.edit, PLANTED.reply]);
    expect(await bernd!.client.conversation(conversationId)).toMatchObject({
      name: PLANTED.name,
      topic: PLANTED.topic,
    });
  });

  it('appears in no database column, text or bytea', () => {
    // The dump does read the messaging tables: the conversation id is there.
    expect(databaseValues.some((v) => v.includes(conversationId))).toBe(true);
    for (const planted of Object.values(PLANTED)) {
      expect(databaseValues.filter((v) => v.includes(planted))).toEqual([]);
    }
  });

  it('appears in no server log line', () => {
    expect(server.logs.length).toBeGreaterThan(0);
    for (const planted of Object.values(PLANTED)) {
      expect(server.logs.filter((line) => line.includes(planted))).toEqual([]);
    }
  });

  it('is stored only encrypted on the device', async () => {
    const values = await dumpStore(annaBackend);
    expect(values.some((v) => v.includes(conversationId))).toBe(true);
    for (const planted of Object.values(PLANTED)) {
      expect(values.filter((v) => v.includes(planted))).toEqual([]);
    }
  });
});
