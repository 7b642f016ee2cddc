import { randomUUID } from 'node:crypto';
import { HttpApi, type TimelineItem } from '@amtsbote/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpDatabase } from '../support/database-dump.js';
import type { TestServer } from '../support/test-server.js';
import {
  closeDevices,
  eventually,
  personWithDevice,
  signIn,
  startDevice,
  startMessagingServer,
  textsOf,
  textsShown,
  type Person,
  type TestDevice,
} from './client-fixtures.js';
import { eventFor, openedBlocks, storedBlocks } from './history-fixtures.js';

/* The encrypted per-user history backup end to end: real server, real MLS, devices linked the
   way users link them. A further device joins existing conversations by itself and reads what
   came before it from its user's backup, which only the user's devices can open. */

type PersonDevice = TestDevice & { readonly person: Person };

/** Long enough that no backup or restore runs unless the test asks for it. */
const MANUAL = 600_000;

const messageAt = (timeline: readonly TimelineItem[], messageId: string) =>
  timeline.find((item) => item.kind === 'message' && item.messageId === messageId);

describe('history backup', () => {
  let server: TestServer;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    server = await startMessagingServer();
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  /** Anna (with the given backup delay) and Bernd in a new group conversation. */
  async function twoPeople(annaDelayMs = 20): Promise<{
    anna: PersonDevice;
    bernd: PersonDevice;
    conversationId: string;
  }> {
    const anna = await personWithDevice(server, 'anna', {
      extraClientOptions: { historyBackupDelayMs: annaDelayMs },
    });
    const bernd = await personWithDevice(server, 'bernd', {
      extraClientOptions: { historyBackupDelayMs: 20 },
    });
    devices.push(anna, bernd);
    const { conversationId } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    await eventually(
      () => bernd.client.conversation(conversationId),
      (summary) => summary !== null,
      'bernd in the conversation',
    );
    return { anna, bernd, conversationId };
  }

  /** A further device of the person's user, linked by the given device. */
  async function furtherDevice(of: PersonDevice, delayMs = 20): Promise<TestDevice> {
    const device = await startDevice(server, await signIn(server, of.person), {
      approvedBy: of,
      extraClientOptions: { historyBackupDelayMs: delayMs },
    });
    devices.push(device);
    return device;
  }

  it('shows a further device the messages sent before it joined, in order and once each', async () => {
    const { anna, bernd, conversationId } = await twoPeople();
    await anna.client.sendText(conversationId, 'Vorher eins');
    await textsShown(bernd, conversationId, 1);
    await bernd.client.sendText(conversationId, 'Vorher zwei');
    await textsShown(anna, conversationId, 2);
    await anna.client.backUpHistory();

    const laptop = await furtherDevice(anna);
    const restored = await eventFor(laptop, 'history_restored', conversationId);
    expect(restored.count).toBe(2);
    const before = [
      { text: 'Vorher eins', senderUserId: anna.person.userId },
      { text: 'Vorher zwei', senderUserId: bernd.person.userId },
    ];
    expect(await textsShown(laptop, conversationId, 2)).toEqual(before);

    await bernd.client.sendText(conversationId, 'Nachher drei');
    const after = [...before, { text: 'Nachher drei', senderUserId: bernd.person.userId }];
    expect(await textsShown(laptop, conversationId, 3)).toEqual(after);
    // Asking again merges what is there already: nothing twice.
    expect(await laptop.client.restoreHistory(conversationId)).toBe(0);
    expect(textsOf(await laptop.client.timeline(conversationId))).toEqual(after);
    expect(laptop.events.filter((e) => e.type === 'history_block_refused')).toEqual([]);
  });

  it('restores an edit and a deletion made before the join, and no stored block holds the deleted text', async () => {
    const { anna, bernd, conversationId } = await twoPeople();
    const original = `Entwurf ${randomUUID()}`;
    const secret = `Geheim ${randomUUID()}`;
    const final = `Endfassung ${randomUUID()}`;
    const edited = await anna.client.sendText(conversationId, original);
    const deleted = await anna.client.sendText(conversationId, secret);
    await anna.client.send(conversationId, {
      type: 'edit',
      target: edited.messageId,
      text: final,
    });
    await anna.client.send(conversationId, { type: 'delete', target: deleted.messageId });
    await anna.client.backUpHistory();

    const laptop = await furtherDevice(anna);
    await eventFor(laptop, 'history_restored', conversationId);
    const timeline = await laptop.client.timeline(conversationId);
    expect(messageAt(timeline, edited.messageId)).toMatchObject({
      content: { type: 'text', text: final },
      editedAt: expect.any(String) as string,
    });
    expect(messageAt(timeline, deleted.messageId)).toMatchObject({
      content: null,
      isDeleted: true,
    });

    const blocks = (await openedBlocks(server, laptop, conversationId)).join('\n');
    expect(blocks).toContain(deleted.messageId);
    expect(blocks).toContain(final);
    expect(blocks).not.toContain(original);
    expect(blocks).not.toContain(secret);
    // Bernd's devices back up their own copy: it is erased there too.
    const bernds = await eventually(
      () => openedBlocks(server, bernd, conversationId),
      (opened) => opened.join().includes(final),
      "bernd's backup after the edit",
    );
    expect(bernds.join()).not.toContain(secret);
    const dump = await dumpDatabase(server);
    for (const canary of [original, secret, final]) {
      expect(dump.filter((value) => value.includes(canary))).toEqual([]);
    }
  });

  it('applies a deletion seen after joining to a backup that predates it, and erases it from the backup', async () => {
    // Anna's phone backs up only when asked: the backup the laptop reads predates the deletion.
    const { anna, conversationId } = await twoPeople(MANUAL);
    const secret = `Vertraulich ${randomUUID()}`;
    const message = await anna.client.sendText(conversationId, secret);
    await anna.client.backUpHistory();

    // The laptop's reads of the backup are held back (a slow network) until the deletion arrived.
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const heldFetch: typeof globalThis.fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input);
      const isRead = (init?.method ?? 'GET') === 'GET';
      if (isRead && url.pathname.startsWith('/api/me/history/')) await released;
      return globalThis.fetch(input, init);
    };
    const grant = await signIn(server, anna.person);
    const http = new HttpApi({ baseUrl: server.baseUrl, token: grant.token, fetch: heldFetch });
    const laptop = await startDevice(server, grant, {
      approvedBy: anna,
      extraClientOptions: { http, historyBackupDelayMs: MANUAL },
    });
    devices.push(laptop);
    await eventually(
      () => laptop.client.conversation(conversationId),
      (summary) => summary !== null,
      'the laptop in the conversation',
    );
    await anna.client.send(conversationId, { type: 'delete', target: message.messageId });
    await eventually(
      () => Promise.resolve(laptop.events),
      (events) => events.some((e) => e.type === 'message' && e.content.type === 'delete'),
      'the deletion on the laptop',
    );
    expect((await openedBlocks(server, laptop, conversationId)).join()).toContain(secret);

    release();
    expect((await eventFor(laptop, 'history_restored', conversationId)).count).toBe(1);
    expect(
      messageAt(await laptop.client.timeline(conversationId), message.messageId),
    ).toMatchObject({ content: null, isDeleted: true });
    await laptop.client.backUpHistory();
    const blocks = (await openedBlocks(server, laptop, conversationId)).join();
    expect(blocks).toContain(message.messageId);
    expect(blocks).not.toContain(secret);
  });

  it('merges instead of overwriting when another device of the user wrote the block first', async () => {
    const { anna, bernd, conversationId } = await twoPeople(MANUAL);
    await bernd.client.sendText(conversationId, 'Erste Nachricht');
    await textsShown(anna, conversationId, 1);
    await anna.client.backUpHistory();
    const laptop = await furtherDevice(anna, MANUAL);
    await eventFor(laptop, 'history_restored', conversationId);

    await bernd.client.sendText(conversationId, 'Zweite Nachricht');
    await textsShown(anna, conversationId, 2);
    await textsShown(laptop, conversationId, 2);
    const [before] = await storedBlocks(server, anna.person.userId, conversationId);
    await anna.client.backUpHistory();
    // The laptop saw the block at the old revision: its write is refused, it reads the new one,
    // finds nothing to add and writes nothing.
    await laptop.client.backUpHistory();
    const [after] = await storedBlocks(server, anna.person.userId, conversationId);
    expect(after?.revision).toBe((before?.revision ?? 0) + 1);
    expect(laptop.events.filter((e) => e.type === 'history_backed_up')).toEqual([]);
    expect((await openedBlocks(server, laptop, conversationId)).join()).toContain(
      'Zweite Nachricht',
    );
  });

  it('refuses a changed block and a block moved from another conversation, visibly, taking nothing from them', async () => {
    const { anna, bernd, conversationId } = await twoPeople();
    const { conversationId: otherId } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    await anna.client.sendText(conversationId, 'Aus dem ersten Gespräch');
    await anna.client.sendText(otherId, 'Aus dem zweiten Gespräch');
    await anna.client.backUpHistory();

    const db = server.handle.storage.db;
    const [first] = await storedBlocks(server, anna.person.userId, conversationId);
    const [second] = await storedBlocks(server, anna.person.userId, otherId);
    if (first === undefined || second === undefined) throw new Error('both blocks are stored');
    const changed = first.ciphertext.slice();
    changed[40] = (changed[40] ?? 0) ^ 0x01;
    const rewrite = (id: string, bytes: Uint8Array) =>
      db
        .updateTable('history_blocks')
        .set({ ciphertext: bytes, size: bytes.length })
        .where('user_id', '=', anna.person.userId)
        .where('conversation_id', '=', id)
        .where('block', '=', 0)
        .execute();
    await rewrite(conversationId, changed);
    await rewrite(otherId, first.ciphertext);

    const laptop = await furtherDevice(anna);
    for (const id of [conversationId, otherId]) {
      expect(await eventFor(laptop, 'history_block_refused', id)).toMatchObject({
        block: 0,
        code: 'block_unreadable',
      });
      expect((await eventFor(laptop, 'history_restored', id)).count).toBe(0);
      expect(textsOf(await laptop.client.timeline(id))).toEqual([]);
    }
  });
});
