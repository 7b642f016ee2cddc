import { HttpApi, MessagingError } from '@amtsbote/client';
import { conversationViewSchema } from '@amtsbote/protocol';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCommandSchema, runAdminCommand } from '../../src/admin/admin-commands.js';
import type { TestServer } from '../support/test-server.js';
import {
  ORG,
  closeDevices,
  eventually,
  personWithDevice,
  signIn,
  startDevice,
  startMessagingServer,
  textsShown,
  type Person,
  type TestDevice,
} from './client-fixtures.js';

/* The read-receipt policy with real clients: with receipts on, a member's read marker reaches
   the others; with receipts off, marking read stays on the device and no one's markers are
   shown, until the organization switches receipts on again. */

async function refusalCode(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'none',
    (error: unknown) => (error instanceof MessagingError ? error.code : String(error)),
  );
}

describe('read receipts', () => {
  let server: TestServer;
  let anna: TestDevice & { person: Person };
  let bernd: TestDevice & { person: Person };
  let conversationId: string;
  const devices: TestDevice[] = [];

  const setReadReceipts = async (hasReadReceipts: boolean): Promise<void> => {
    await runAdminCommand(
      server.handle.identity,
      adminCommandSchema.parse({ command: 'set-policy', org: ORG, hasReadReceipts }),
    );
  };
  const lastSeq = async (): Promise<number> =>
    (
      await server
        .api(anna.grant.token)
        .request('GET', `/api/conversations/${conversationId}`, undefined, conversationViewSchema)
    ).lastSeq;

  beforeAll(async () => {
    server = await startMessagingServer();
    anna = await personWithDevice(server, 'anna');
    bernd = await personWithDevice(server, 'bernd');
    devices.push(anna, bernd);
    ({ conversationId } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    }));
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  it('tells the others what a member read while the policy allows receipts', async () => {
    expect(await bernd.client.policy()).toMatchObject({ hasReadReceipts: true });
    const first = await anna.client.sendText(conversationId, 'Bitte lesen: neue Dienstzeiten');
    await textsShown(bernd, conversationId, 1);
    expect(await bernd.client.markRead(conversationId, first.messageId)).toEqual({
      isReceiptSent: true,
    });
    const markers = await eventually(
      () => anna.client.readMarkers(conversationId),
      (m) => m[bernd.person.userId] !== undefined,
      "Bernd's read marker on Anna's device",
    );
    expect(markers[bernd.person.userId]).toMatchObject({ messageId: first.messageId });
    expect(await refusalCode(bernd.client.markRead(conversationId, randomUUID()))).toBe(
      'message_not_found',
    );
  });

  it("keeps read state on the device and shows no one else's markers with receipts off", async () => {
    await setReadReceipts(false);
    await anna.client.sync();
    await bernd.client.sync();
    const second = await anna.client.sendText(conversationId, 'Zweite Nachricht');
    await textsShown(bernd, conversationId, 2);
    const before = await lastSeq();

    expect(await bernd.client.markRead(conversationId, second.messageId)).toEqual({
      isReceiptSent: false,
    });
    expect(
      await refusalCode(
        bernd.client.send(conversationId, { type: 'read', upTo: second.messageId }),
      ),
    ).toBe('read_receipts_off');
    expect(await lastSeq()).toBe(before);
    expect(await bernd.client.pendingMessages(conversationId)).toEqual([]);
    // Bernd's own marker moved; Anna no longer sees Bernd's earlier one.
    expect(await bernd.client.readMarkers(conversationId)).toEqual({
      [bernd.person.userId]: expect.objectContaining({ messageId: second.messageId }) as unknown,
    });
    expect(await anna.client.readMarkers(conversationId)).toEqual({});

    // A device that starts now reads the policy on start.
    const clara = await personWithDevice(server, 'clara');
    devices.push(clara);
    expect(await clara.client.policy()).toMatchObject({ hasReadReceipts: false });
  });

  it('sends receipts again once the organization switches them back on', async () => {
    await setReadReceipts(true);
    await anna.client.sync();
    await bernd.client.sync();
    const markers = await anna.client.readMarkers(conversationId);
    expect(Object.keys(markers)).toEqual([bernd.person.userId]);
    const timeline = await bernd.client.timeline(conversationId);
    const last = timeline.at(-1);
    expect(last?.kind).toBe('message');
    if (last?.kind !== 'message') return;
    expect(await bernd.client.markRead(conversationId, last.messageId)).toEqual({
      isReceiptSent: true,
    });
    await eventually(
      () => anna.client.readMarkers(conversationId),
      (m) => m[bernd.person.userId]?.messageId === last.messageId,
      "Bernd's new read marker on Anna's device",
    );
  });

  it('withdraws a receipt that waited offline while the organization switched receipts off', async () => {
    let isOffline = false;
    const offlineFetch: typeof globalThis.fetch = (input, init) =>
      isOffline ? Promise.reject(new TypeError('fetch failed')) : globalThis.fetch(input, init);
    const grant = await signIn(server, bernd.person);
    const http = new HttpApi({ baseUrl: server.baseUrl, token: grant.token, fetch: offlineFetch });
    const tablet = await startDevice(server, grant, {
      approvedBy: bernd,
      isLive: false,
      extraClientOptions: { http },
    });
    devices.push(tablet);
    const message = await anna.client.sendText(conversationId, 'Dritte Nachricht');
    await eventually(
      async () => {
        await tablet.client.sync();
        return tablet.client.timeline(conversationId);
      },
      (timeline) =>
        timeline.some((item) => item.kind === 'message' && item.messageId === message.messageId),
      'the third message on the tablet',
    );

    isOffline = true;
    expect(await refusalCode(tablet.client.markRead(conversationId, message.messageId))).toBe(
      'send_pending',
    );
    expect(await tablet.client.pendingMessages(conversationId)).toHaveLength(1);
    await setReadReceipts(false);
    isOffline = false;
    const before = await lastSeq();
    await tablet.client.sync();
    await tablet.client.flushOutbox();

    expect(await tablet.client.pendingMessages(conversationId)).toEqual([]);
    expect(await lastSeq()).toBe(before);
    expect(await tablet.client.readMarkers(conversationId)).toEqual({
      [bernd.person.userId]: expect.objectContaining({ messageId: message.messageId }) as unknown,
    });
  });
});
