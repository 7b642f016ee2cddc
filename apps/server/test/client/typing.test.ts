import type { MessagingClientOptions, MessagingEvent } from '@amtsbote/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectFrames, type FrameClient } from '../messaging/frame-client.js';
import { dumpDatabase } from '../support/database-dump.js';
import type { TestServer } from '../support/test-server.js';
import {
  atEpoch,
  closeDevices,
  eventually,
  personWithDevice,
  startMessagingServer,
  textsShown,
  type Person,
  type TestDevice,
} from './client-fixtures.js';

/* Typing indicators end to end: real clients, real MLS, a real server that relays them live and
   keeps nothing. */

type Typing = Extract<MessagingEvent, { type: 'typing' }>;
/** What typing-sender.ts allows between two stored messages of a device (MAX_TYPING_MESSAGES_PER_GAP). */
const TYPING_MESSAGES_PER_GAP = 100;

type Device = TestDevice & { readonly person: Person };

/** A device clock that tests move by hand (throttling of typing refreshes). */
class DeviceClock {
  #nowMs = Date.now();
  readonly now = (): Date => new Date(this.#nowMs);
  advance(ms: number): void {
    this.#nowMs += ms;
  }
}

/** Bytes as PostgreSQL's encode(…, 'escape') writes them, as the database dump reads bytea. */
function byteaEscape(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    if (byte === 0x5c) out += '\\\\';
    else if (byte === 0 || byte >= 0x80) out += `\\${byte.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return out;
}

const typingOf = (device: TestDevice, conversationId: string): Typing[] =>
  device.events.filter(
    (e): e is Typing => e.type === 'typing' && e.conversationId === conversationId,
  );

describe('typing indicators', () => {
  let server: TestServer;
  const devices: Device[] = [];
  const rawConnections: FrameClient[] = [];

  async function device(
    name: string,
    extraClientOptions: Partial<MessagingClientOptions> = {},
    isLive = true,
  ): Promise<Device> {
    const started = await personWithDevice(server, name, { isLive, extraClientOptions });
    devices.push(started);
    if (isLive) {
      await eventually(
        () => Promise.resolve(started.client.isConnected),
        Boolean,
        `${name} connected`,
      );
    }
    return started;
  }

  async function groupOf(owner: Device, members: readonly Device[]): Promise<string> {
    const { conversationId } = await owner.client.createConversation({
      kind: 'group',
      memberUserIds: members.map((m) => m.person.userId),
    });
    for (const member of members)
      if (member.client.isConnected) await atEpoch(member, conversationId, 1);
    return conversationId;
  }

  beforeAll(async () => {
    server = await startMessagingServer();
  });
  afterAll(async () => {
    for (const connection of rawConnections) connection.close();
    await closeDevices(devices);
    await server.close();
  });

  it('shows the typing of another member live, throttled, and keeps no trace of it anywhere', async () => {
    const clock = new DeviceClock();
    const berndsClock = new DeviceClock();
    const anna = await device('anna', { now: clock.now });
    const bernd = await device('bernd', { now: berndsClock.now });
    const clara = await device('clara', {}, false);
    const id = await groupOf(anna, [bernd, clara]);
    // A second connection of Bernd's device sees the raw frames the server relays and pushes.
    const raw = await connectFrames(server.wsUrl, bernd.grant.token);
    rawConnections.push(raw);

    const sent = [
      await anna.client.setTyping(id, true),
      await anna.client.setTyping(id, true),
      (clock.advance(3_000), await anna.client.setTyping(id, true)),
      await anna.client.setTyping(id, false),
      await anna.client.setTyping(id, false),
    ];

    expect(sent).toEqual([true, false, true, true, false]);
    const seen = await eventually(
      () => Promise.resolve(typingOf(bernd, id)),
      (events) => events.length >= 3,
      'three typing events on Bernd’s device',
    );
    const from = { conversationId: id, userId: anna.person.userId, deviceId: anna.client.deviceId };
    expect(seen).toEqual([
      { type: 'typing', ...from, isTyping: true, expiresAt: expect.any(String) as unknown },
      { type: 'typing', ...from, isTyping: true, expiresAt: expect.any(String) as unknown },
      { type: 'typing', ...from, isTyping: false, expiresAt: null },
    ]);
    // Bernd's clock stands still in this test: the indicator ends 6 s after it arrived.
    expect(seen[0]?.expiresAt).toBe(new Date(berndsClock.now().getTime() + 6_000).toISOString());
    await anna.client.sendText(id, 'Stored for comparison');
    await textsShown(bernd, id, 1);
    const relayed = await raw.next(
      'ephemeral_event',
      () => raw.frames.filter((f) => f.kind === 'ephemeral_event').length >= 3,
    );
    const stored = await raw.next('event', (f) => f.header.type === 'message');

    // Nothing of it in the stream, the timeline, the outbox or an offline device.
    await clara.client.sync();
    await textsShown(clara, id, 1);
    expect(typingOf(clara, id)).toEqual([]);
    expect((await bernd.client.timeline(id)).map((item) => item.kind)).toEqual(['message']);
    expect(await anna.client.pendingMessages()).toEqual([]);
    for (const d of [anna, bernd, clara]) {
      expect(d.events.filter((e) => e.type === 'decrypt_failed')).toEqual([]);
    }
    // Nor in the database: the stored message's ciphertext is there, the typing ones are not.
    const dump = (await dumpDatabase(server)).join('\n');
    const middle = (bytes: Uint8Array): string => byteaEscape(bytes.subarray(40, 72));
    expect(dump.includes(middle(stored.payload))).toBe(true);
    const typingCiphertexts = raw.frames.flatMap((f) =>
      f.kind === 'ephemeral_event' ? [f.payload] : [],
    );
    expect(typingCiphertexts).toHaveLength(3);
    expect(relayed.header.senderDeviceId).toBe(anna.client.deviceId);
    for (const ciphertext of typingCiphertexts)
      expect(dump.includes(middle(ciphertext))).toBe(false);
  });

  it('ends an indicator that is not refreshed in time', async () => {
    const anna = await device('anna');
    const bernd = await device('bernd', { typingExpiryMs: 300 });
    const id = await groupOf(anna, [bernd]);

    expect(await anna.client.setTyping(id, true)).toBe(true);

    const seen = await eventually(
      () => Promise.resolve(typingOf(bernd, id)),
      (events) => events.length >= 2,
      'the indicator to start and end on Bernd’s device',
    );
    expect(seen.map((e) => [e.isTyping, e.expiresAt === null])).toEqual([
      [true, false],
      [false, true],
    ]);
  });

  it('keeps later stored messages readable after many typing messages nobody stored', async () => {
    const clock = new DeviceClock();
    const anna = await device('anna', { now: clock.now });
    const bernd = await device('bernd');
    const clara = await device('clara', {}, false);
    const id = await groupOf(anna, [bernd, clara]);
    await anna.client.sendText(id, 'before the typing');
    await textsShown(bernd, id, 1);

    // Each change of state is a typing message; most are dropped by the server's rate limit,
    // and Clara, offline, gets none: every one leaves a gap in the sender's ratchet.
    const typeMany = async (d: Device, count: number): Promise<number> => {
      let sent = 0;
      for (let i = 0; i < count; i++) if (await d.client.setTyping(id, i % 2 === 0)) sent += 1;
      return sent;
    };
    expect(await typeMany(bernd, 50)).toBe(50);
    expect(await typeMany(anna, TYPING_MESSAGES_PER_GAP + 20)).toBe(TYPING_MESSAGES_PER_GAP);
    await anna.client.sendText(id, 'after Anna typed');
    await bernd.client.sendText(id, 'after Bernd typed');

    const expected = ['before the typing', 'after Anna typed', 'after Bernd typed'];
    await clara.client.sync();
    expect((await textsShown(clara, id, 3)).map((t) => t.text)).toEqual(expected);
    expect((await textsShown(bernd, id, 3)).map((t) => t.text)).toEqual(expected);
    expect((await textsShown(anna, id, 3)).map((t) => t.text)).toEqual(expected);
    for (const d of [anna, bernd, clara]) {
      expect(d.events.filter((e) => e.type === 'decrypt_failed')).toEqual([]);
    }
    // Anna's stored message closed the gap: she may type again.
    clock.advance(3_000);
    expect(await anna.client.setTyping(id, true)).toBe(true);
  });

  it('drops silently what does not decrypt as typing: another epoch, garbage, a stored message', async () => {
    const anna = await device('anna');
    const bernd = await device('bernd');
    const clara = await device('clara');
    const id = await groupOf(anna, [bernd]);
    const rawBernd = await connectFrames(server.wsUrl, bernd.grant.token);
    // Anna's device on a second connection: a sender the server routes, sending chosen bytes.
    const rawAnna = await connectFrames(server.wsUrl, anna.grant.token);
    rawConnections.push(rawBernd, rawAnna);
    expect(await anna.client.setTyping(id, true)).toBe(true);
    const ofEpochOne = await rawBernd.next('ephemeral_event');
    await eventually(
      () => Promise.resolve(typingOf(bernd, id)),
      (e) => e.length === 1,
      'typing on Bernd',
    );
    await anna.client.addMembers(id, [clara.person.userId]);
    await atEpoch(bernd, id, 2);
    await anna.client.sendText(id, 'a stored message');
    await textsShown(bernd, id, 1);
    const stored = await rawBernd.next('event', (f) => f.header.type === 'message');

    for (const payload of [ofEpochOne.payload, new Uint8Array(200).fill(7), stored.payload]) {
      rawAnna.send({ kind: 'ephemeral', header: { conversationId: id, epoch: 2 }, payload });
    }
    await rawBernd.next(
      'ephemeral_event',
      () => rawBernd.frames.filter((f) => f.kind === 'ephemeral_event').length >= 4,
    );
    // Typing frames are handled in order: once this one shows, the three before were handled.
    expect(await anna.client.setTyping(id, false)).toBe(true);

    const seen = await eventually(
      () => Promise.resolve(typingOf(bernd, id)),
      (e) => e.length >= 2,
      'the end of typing on Bernd’s device',
    );
    expect(seen.map((e) => e.isTyping)).toEqual([true, false]);
    const failures = bernd.events.filter(
      (e) => e.type === 'decrypt_failed' || e.type === 'engine_error',
    );
    expect(failures).toEqual([]);
    expect((await textsShown(bernd, id, 1)).map((t) => t.text)).toEqual(['a stored message']);
  });
});
