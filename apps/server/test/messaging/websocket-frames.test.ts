import { randomBytes, randomUUID } from 'node:crypto';
import { base64urlEncode } from '@amtsbote/crypto';
import {
  ENVELOPE_VERSION,
  FRAME_KINDS,
  MAX_APPLICATION_MESSAGE_BYTES,
  WS_CLOSE,
  type Frame,
} from '@amtsbote/protocol';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { within } from '../sessions/ws-test-client.js';
import { describeOnEachBackend } from '../support/backends.js';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import { FRAME_WAIT_MS, connectFrames, eventsIn } from './frame-client.js';
import {
  addDevices,
  bytesOf,
  createConversation,
  groupWith,
  newDevice,
  opaque,
  streamOf,
  sync,
  MANY_LOGINS,
} from './messaging-fixtures.js';

/** A frame with the given header bytes, for headers the encoder would never write. */
function rawFrame(kind: number, header: string, version: number = ENVELOPE_VERSION): Uint8Array {
  const headerBytes = Buffer.from(header, 'utf8');
  const out = Buffer.alloc(6 + headerBytes.length);
  out.writeUInt8(version, 0);
  out.writeUInt8(kind, 1);
  out.writeUInt32BE(headerBytes.length, 2);
  headerBytes.copy(out, 6);
  return out;
}

function sendFrame(
  conversationId: string,
  epoch: number,
  payload: Uint8Array,
  requestId = 1,
): Frame {
  return {
    kind: 'send',
    header: { requestId, conversationId, messageId: randomUUID(), epoch, intent: 'post' },
    payload,
  };
}

describeOnEachBackend('WebSocket frames', (backend) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ backend, ...MANY_LOGINS });
    await setupFirstOrganization(server);
  });
  afterAll(async () => {
    await server.close();
  });

  it('stores a send, answers sent with its request id and pushes the event to the other devices', async () => {
    const owner = await newDevice(server);
    const member = await newDevice(server);
    const conversation = await groupWith(server, owner, [member]);
    const [ownerConnection, memberConnection] = await Promise.all(
      [owner, member].map((d) => connectFrames(server.wsUrl, d.token)),
    );
    const ciphertext = new Uint8Array(randomBytes(200));
    const frame = sendFrame(conversation.id, 1, ciphertext, 7);

    ownerConnection!.send(frame);

    const sent = await ownerConnection!.next('sent');
    expect(sent.header).toEqual({
      requestId: 7,
      conversationId: conversation.id,
      messageId: frame.kind === 'send' ? frame.header.messageId : null,
      seq: 2,
      sentAt: sent.header.sentAt,
    });
    const event = await memberConnection!.next('event');
    expect(event.header).toEqual({
      type: 'message',
      conversationId: conversation.id,
      seq: 2,
      epoch: 1,
      senderDeviceId: owner.deviceId,
      messageId: sent.header.messageId,
      intent: 'post',
      sentAt: sent.header.sentAt,
      dataLength: ciphertext.length,
    });
    expect(Buffer.from(event.payload).equals(Buffer.from(ciphertext))).toBe(true);
    const synced = (await sync(server, member)).events.find((e) => e.seq === 2);
    expect(synced?.data).toBe(base64urlEncode(ciphertext));
    await ownerConnection!.roundTrip();
    expect(eventsIn(ownerConnection!, conversation.id)).toEqual([]);
    ownerConnection!.close();
    memberConnection!.close();
  });

  it('answers a refused send with an error frame carrying the request id and code', async () => {
    const owner = await newDevice(server);
    const member = await newDevice(server);
    const conversation = await createConversation(server, owner, [member]);
    await addDevices(server, owner, conversation.id, 0, []);
    const ownerConnection = await connectFrames(server.wsUrl, owner.token);
    const memberConnection = await connectFrames(server.wsUrl, member.token);
    const payload = new Uint8Array([1, 2, 3]);

    ownerConnection.send(sendFrame(conversation.id, 0, payload, 11));
    ownerConnection.send(sendFrame(randomUUID(), 0, payload, 12));
    memberConnection.send(sendFrame(conversation.id, 1, payload, 13));

    expect((await ownerConnection.next('error', (f) => f.header.requestId === 11)).header).toEqual({
      requestId: 11,
      code: 'epoch_conflict',
      message: expect.any(String) as unknown,
      currentEpoch: 1,
    });
    expect(
      (await ownerConnection.next('error', (f) => f.header.requestId === 12)).header.code,
    ).toBe('conversation_not_found');
    expect((await memberConnection.next('error')).header).toMatchObject({
      requestId: 13,
      code: 'not_a_member',
    });
    expect(await streamOf(server, owner, conversation.id)).toEqual([{ type: 'commit', seq: 1 }]);
    ownerConnection.close();
    memberConnection.close();
  });

  it('answers a resend as stored, with its seq, also after the epoch moved on', async () => {
    const owner = await newDevice(server);
    const member = await newDevice(server);
    const conversation = await groupWith(server, owner, [member]);
    const connection = await connectFrames(server.wsUrl, owner.token);
    const frame = sendFrame(conversation.id, 1, new Uint8Array([4, 5, 6]), 21);
    connection.send(frame);
    const first = await connection.next('sent', (f) => f.header.requestId === 21);
    // Another commit: the resent message's epoch is stale now, but it was stored before.
    await addDevices(server, owner, conversation.id, 1, []);

    connection.send({ ...frame, header: { ...frame.header, requestId: 22 } } as Frame);
    const again = await connection.next('sent', (f) => f.header.requestId === 22);
    expect(again.header).toMatchObject({ seq: first.header.seq, sentAt: first.header.sentAt });
    // The member's device may not reuse the id: it is the owner's message.
    const memberConnection = await connectFrames(server.wsUrl, member.token);
    memberConnection.send({
      ...frame,
      header: { ...frame.header, requestId: 23, epoch: 2 },
    } as Frame);
    expect((await memberConnection.next('error')).header).toMatchObject({
      requestId: 23,
      code: 'invalid_request',
    });
    expect(await streamOf(server, owner, conversation.id)).toEqual([
      { type: 'commit', seq: 1 },
      { type: 'message', seq: 2 },
      { type: 'commit', seq: 3 },
    ]);
    connection.close();
    memberConnection.close();
  });

  it('advances the cursor on an ack frame and consumes the welcome', async () => {
    const owner = await newDevice(server);
    const member = await newDevice(server);
    const conversation = await groupWith(server, owner, [member]);
    expect(await streamOf(server, member, conversation.id)).toEqual([{ type: 'welcome', seq: 1 }]);
    const connection = await connectFrames(server.wsUrl, member.token);

    connection.send({
      kind: 'ack',
      header: { cursors: [{ conversationId: conversation.id, seq: 1 }] },
      payload: new Uint8Array(),
    });

    await vi.waitFor(
      async () => {
        expect(await streamOf(server, member, conversation.id)).toEqual([]);
      },
      { timeout: FRAME_WAIT_MS },
    );
    expect(connection.frames.filter((f) => f.kind === 'error')).toEqual([]);
    connection.close();
  });

  it('pushes a welcome to the added device with the ratchet tree after the welcome bytes', async () => {
    const owner = await newDevice(server);
    const joining = await newDevice(server);
    const conversation = await createConversation(server, owner, [joining]);
    const connection = await connectFrames(server.wsUrl, joining.token);
    const [welcome, ratchetTree] = [opaque(100), opaque(60)];

    const added = await addDevices(server, owner, conversation.id, 0, [joining], {
      welcome,
      ratchetTree,
    });

    const frame = await connection.next('event');
    expect(frame.header).toMatchObject({
      type: 'welcome',
      seq: added.seq,
      epoch: 1,
      dataLength: bytesOf(welcome).length,
    });
    expect(Buffer.from(frame.payload)).toEqual(
      Buffer.concat([bytesOf(welcome), bytesOf(ratchetTree)]),
    );
    connection.close();
  });

  it('answers each malformed frame with invalid_frame and keeps the connection usable', async () => {
    const owner = await newDevice(server);
    const conversation = await groupWith(server, owner, []);
    const connection = await connectFrames(server.wsUrl, owner.token);
    const malformed: Uint8Array[] = [
      new Uint8Array([1, 2, 3]),
      rawFrame(FRAME_KINDS.send, '{}', ENVELOPE_VERSION + 1),
      rawFrame(0x7f, '{}'),
      rawFrame(FRAME_KINDS.send, '{"requestId": 1,'),
      rawFrame(FRAME_KINDS.send, JSON.stringify({ requestId: -1 })),
      rawFrame(FRAME_KINDS.event, JSON.stringify({ type: 'message' })),
    ];

    for (const bytes of malformed) connection.sendRaw(bytes);
    await vi.waitFor(
      () => {
        expect(connection.frames.filter((f) => f.kind === 'error')).toHaveLength(malformed.length);
      },
      { timeout: FRAME_WAIT_MS },
    );

    for (const frame of connection.frames) {
      expect(frame).toMatchObject({
        kind: 'error',
        header: { requestId: null, code: 'invalid_frame' },
      });
    }
    connection.send(sendFrame(conversation.id, 1, new Uint8Array([9]), 21));
    expect((await connection.next('sent')).header.requestId).toBe(21);
    connection.close();
  });

  it('refuses a send frame whose payload exceeds the message limit', async () => {
    const owner = await newDevice(server);
    const conversation = await groupWith(server, owner, []);
    const connection = await connectFrames(server.wsUrl, owner.token);

    connection.send(
      sendFrame(conversation.id, 1, new Uint8Array(MAX_APPLICATION_MESSAGE_BYTES + 1), 31),
    );

    expect((await connection.next('error')).header).toMatchObject({
      requestId: null,
      code: 'invalid_frame',
    });
    expect(await streamOf(server, owner, conversation.id)).toEqual([{ type: 'commit', seq: 1 }]);
    connection.close();
  });

  it('closes with 1008 after ten malformed frames', async () => {
    const owner = await newDevice(server);
    const connection = await connectFrames(server.wsUrl, owner.token);

    for (let i = 0; i < 10; i += 1) connection.sendRaw(new Uint8Array([0]));

    const { code } = await within(connection.closed, FRAME_WAIT_MS, 'closing');
    expect(code).toBe(WS_CLOSE.policyViolation);
  });

  it('closes with 1008 on a text frame after the hello', async () => {
    const owner = await newDevice(server);
    const connection = await connectFrames(server.wsUrl, owner.token);

    connection.sendRaw(JSON.stringify({ type: 'hello' }));

    const { code } = await within(connection.closed, FRAME_WAIT_MS, 'closing');
    expect(code).toBe(WS_CLOSE.policyViolation);
  });

  it('closes with 1009 on a frame larger than the connection allows', async () => {
    const owner = await newDevice(server);
    const connection = await connectFrames(server.wsUrl, owner.token);

    connection.sendRaw(new Uint8Array(512 * 1024));

    const { code } = await within(connection.closed, FRAME_WAIT_MS, 'closing');
    expect(code).toBe(WS_CLOSE.messageTooBig);
  });
});
