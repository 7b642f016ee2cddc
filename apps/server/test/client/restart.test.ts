import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  EncryptedStore,
  HttpApi,
  MessagingClient,
  type LocalStore,
  type MessagingEvent,
} from '@amtsbote/client';
import { FileStore } from '@amtsbote/client/node';
import { generateStorageKeyBytes, importStorageKey } from '@amtsbote/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  clientOptions,
  closeDevices,
  eventually,
  newPerson,
  personWithDevice,
  signIn,
  startDevice,
  startMessagingServer,
  textEvents,
  textsOf,
  textsShown,
  type TestDevice,
} from './client-fixtures.js';

/** A loopback port nobody listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('messaging client across restarts', () => {
  const directories: string[] = [];

  afterAll(async () => {
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  async function tempDir(prefix: string): Promise<string> {
    const directory = await mkdtemp(path.join(os.tmpdir(), prefix));
    directories.push(directory);
    return directory;
  }

  describe('of the client', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startMessagingServer();
    });
    afterAll(async () => {
      await server.close();
    });

    it('keeps its conversations and sends its pending outbox after a restart on its file store', async () => {
      const storeDir = await tempDir('amtsbote-client-store-');
      const storageKey = generateStorageKeyBytes();
      const openStore = async (): Promise<LocalStore> =>
        new EncryptedStore(await FileStore.open(storeDir), await importStorageKey(storageKey));
      const person = await newPerson(server, 'anna');
      const grant = await signIn(server, person);
      const bernd = await personWithDevice(server, 'bernd');

      const first = await startDevice(server, grant, { store: await openStore() });
      const { conversationId: id } = await first.client.createConversation({
        kind: 'group',
        memberUserIds: [bernd.person.userId],
        name: 'Haushalt 2027',
      });
      await first.client.sendText(id, 'vor dem Neustart');
      await first.client.close();
      await first.store.close();

      // Offline: the server cannot be reached, so the message stays in the outbox.
      const offlineStore = await openStore();
      const offline = await MessagingClient.open({
        ...clientOptions(server, grant, offlineStore, false),
        http: new HttpApi({
          baseUrl: `http://127.0.0.1:${await closedPort()}`,
          token: grant.token,
        }),
      });
      await expect(offline.sendText(id, 'im Funkloch geschrieben')).rejects.toMatchObject({
        code: 'send_pending',
      });
      expect(await offline.pendingMessages(id)).toHaveLength(1);
      await offline.close();
      await offlineStore.close();

      const restarted = await startDevice(server, grant, {
        store: await openStore(),
        isRestart: true,
      });
      try {
        expect(await restarted.client.pendingMessages()).toEqual([]);
        expect(await restarted.client.listConversations()).toMatchObject([
          { conversationId: id, name: 'Haushalt 2027', kind: 'group' },
        ]);
        const expected = [
          { text: 'vor dem Neustart', senderUserId: person.userId },
          { text: 'im Funkloch geschrieben', senderUserId: person.userId },
        ];
        expect(textsOf(await restarted.client.timeline(id))).toEqual(expected);
        expect(await textsShown(bernd, id, 2)).toEqual(expected);
        await bernd.client.sendText(id, 'angekommen');
        expect(await textsShown(restarted, id, 3)).toHaveLength(3);
      } finally {
        await closeDevices([restarted, bernd]);
        await restarted.store.close();
      }
    });
  });

  describe('of the server', () => {
    it('loses no acknowledged message, and live clients reconnect and catch up', async () => {
      const dataDir = await tempDir('amtsbote-server-data-');
      let server = await startMessagingServer({ dataDir });
      const port = new URL(server.baseUrl).port;
      let devices: TestDevice[] = [];
      try {
        const anna = await personWithDevice(server, 'anna');
        const bernd = await personWithDevice(server, 'bernd');
        const berndGrant = bernd.grant;
        devices = [anna, bernd];
        const { conversationId: id } = await anna.client.createConversation({
          kind: 'group',
          memberUserIds: [bernd.person.userId],
        });
        await eventually(
          () => bernd.client.conversation(id),
          (summary) => summary !== null,
          'Bernd joining',
        );
        // Bernd goes offline before the messages; each send below resolved only once stored.
        await bernd.client.close();
        const sent = ['erstens', 'zweitens', 'drittens'];
        for (const text of sent) await anna.client.sendText(id, text);

        await server.close();
        server = await startTestServer({ dataDir, env: { AMTSBOTE_PORT: port } });

        const connected = (events: readonly MessagingEvent[]): number =>
          events.filter((e) => e.type === 'connection_changed' && e.state === 'connected').length;
        await eventually(
          () => Promise.resolve(connected(anna.events)),
          (count) => count >= 2,
          'Anna reconnecting',
        );
        const berndAgain = await startDevice(server, berndGrant, {
          store: bernd.store,
          isRestart: true,
        });
        devices = [anna, berndAgain];
        const expected = sent.map((text) => ({ text, senderUserId: anna.person.userId }));
        expect(await textsShown(berndAgain, id, 3)).toEqual(expected);

        await anna.client.sendText(id, 'nach dem Neustart');
        await berndAgain.client.sendText(id, 'alles da');
        expect(await textsShown(anna, id, 5)).toHaveLength(5);
        expect(await textsShown(berndAgain, id, 5)).toEqual([
          ...expected,
          { text: 'nach dem Neustart', senderUserId: anna.person.userId },
          { text: 'alles da', senderUserId: bernd.person.userId },
        ]);
        expect(textEvents(berndAgain, id)).toHaveLength(5);
      } finally {
        await closeDevices(devices);
        await server.close();
      }
    });
  });
});
