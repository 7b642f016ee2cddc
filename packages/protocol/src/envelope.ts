import { z } from 'zod';
import { ERROR_CODES } from './errors.js';
import {
  MESSAGE_INTENTS,
  MAX_APPLICATION_MESSAGE_BYTES,
  MAX_RATCHET_TREE_BYTES,
  MAX_WELCOME_BYTES,
  SYNC_EVENT_TYPES,
  ciphersuiteIdSchema,
} from './messaging.js';

/*
 * Binary WebSocket frames after the hello. Layout, all integers big-endian:
 *   u8 envelope version | u8 kind | u32 header length | header (UTF-8 JSON) | payload bytes
 * The small header is JSON; MLS bytes travel raw in the payload, never base64.
 */

export const ENVELOPE_VERSION = 1;
export const MAX_ENVELOPE_HEADER_BYTES = 16 * 1024;
export const MAX_ENVELOPE_BYTES =
  6 + MAX_ENVELOPE_HEADER_BYTES + MAX_WELCOME_BYTES + MAX_RATCHET_TREE_BYTES;

export const FRAME_KINDS = {
  /** server → client: one event of the device's stream. */
  event: 0x01,
  /** client → server: an application message to store and fan out. */
  send: 0x02,
  /** server → client: a send is durably stored. */
  sent: 0x03,
  /** server → client: a request failed. */
  error: 0x04,
  /** client → server: the device has processed its stream up to these positions. */
  ack: 0x05,
  /** server → client: something the device should act on (no content). */
  notice: 0x06,
  /** client → server: an MLS message to relay live to the conversation's connected devices. */
  ephemeral: 0x07,
  /** server → client: an ephemeral message of another device; never stored, never re-sent. */
  ephemeral_event: 0x08,
} as const;
export type FrameKind = keyof typeof FRAME_KINDS;

const eventHeaderSchema = z.strictObject({
  type: z.enum(SYNC_EVENT_TYPES),
  conversationId: z.uuid(),
  seq: z.number().int().min(0),
  epoch: z.number().int().min(0),
  senderDeviceId: z.uuid(),
  messageId: z.uuid().nullable(),
  /** Messages: the intent the sender declared; null for commits and welcomes. */
  intent: z.enum(MESSAGE_INTENTS).nullable(),
  sentAt: z.iso.datetime(),
  /** The payload is the MLS object followed by the ratchet tree (welcomes): this many bytes. */
  dataLength: z.number().int().min(0),
});
const sendHeaderSchema = z.strictObject({
  requestId: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1),
  conversationId: z.uuid(),
  messageId: z.uuid(),
  epoch: z.number().int().min(0),
  intent: z.enum(MESSAGE_INTENTS).default('post'),
});
const sentHeaderSchema = z.strictObject({
  requestId: z.number().int().min(0),
  conversationId: z.uuid(),
  messageId: z.uuid(),
  seq: z.number().int().min(0),
  sentAt: z.iso.datetime(),
});
const errorHeaderSchema = z.strictObject({
  requestId: z.number().int().min(0).nullable(),
  code: z.enum(ERROR_CODES),
  message: z.string().max(500),
  /** epoch_conflict: the conversation's epoch, so the client knows what it missed. */
  currentEpoch: z.number().int().optional(),
});
const ackHeaderSchema = z.strictObject({
  cursors: z
    .array(z.strictObject({ conversationId: z.uuid(), seq: z.number().int().min(0) }))
    .max(1000),
});
const noticeHeaderSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('key_packages_low'),
    ciphersuite: ciphersuiteIdSchema,
    oneTimeCount: z.number().int(),
  }),
  /** New events are waiting (sent instead of events when a device is far behind). */
  z.strictObject({ type: z.literal('sync_needed') }),
  /**
   * The conversation's roster or routing changed without a commit (a device revoked, a user
   * disabled, left or added): the device reconciles its MLS group with the roster (ADR 0008).
   */
  z.strictObject({ type: z.literal('membership_changed'), conversationId: z.uuid() }),
  /** A recipient started downloading one of the user's transfers (its count after it). */
  z.strictObject({
    type: z.literal('transfer_downloaded'),
    transferId: z.uuid(),
    downloadCount: z.number().int().min(1),
  }),
]);

/*
 * Ephemeral frames (typing indicators): an MLS application message that the server relays to
 * the devices connected at that moment and then forgets. Small by design.
 */
export const MAX_EPHEMERAL_PAYLOAD_BYTES = 4 * 1024;
const ephemeralHeaderSchema = z.strictObject({
  conversationId: z.uuid(),
  epoch: z.number().int().min(0),
});
const ephemeralEventHeaderSchema = z.strictObject({
  conversationId: z.uuid(),
  senderDeviceId: z.uuid(),
  epoch: z.number().int().min(0),
});

const HEADER_SCHEMAS = {
  event: eventHeaderSchema,
  send: sendHeaderSchema,
  sent: sentHeaderSchema,
  error: errorHeaderSchema,
  ack: ackHeaderSchema,
  notice: noticeHeaderSchema,
  ephemeral: ephemeralHeaderSchema,
  ephemeral_event: ephemeralEventHeaderSchema,
} as const;

export type FrameHeaders = { [K in FrameKind]: z.output<(typeof HEADER_SCHEMAS)[K]> };
export type Frame = {
  [K in FrameKind]: { kind: K; header: FrameHeaders[K]; payload: Uint8Array };
}[FrameKind];

const PAYLOAD_LIMITS: Readonly<Record<FrameKind, number>> = {
  event: MAX_WELCOME_BYTES + MAX_RATCHET_TREE_BYTES,
  send: MAX_APPLICATION_MESSAGE_BYTES,
  sent: 0,
  error: 0,
  ack: 0,
  notice: 0,
  ephemeral: MAX_EPHEMERAL_PAYLOAD_BYTES,
  ephemeral_event: MAX_EPHEMERAL_PAYLOAD_BYTES,
};

export class EnvelopeError extends Error {
  readonly code = 'invalid_frame';
}

const KIND_BY_BYTE = new Map<number, FrameKind>(
  Object.entries(FRAME_KINDS).map(([name, byte]) => [byte, name as FrameKind]),
);

export function encodeFrame(frame: Frame): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify(frame.header));
  if (header.length > MAX_ENVELOPE_HEADER_BYTES) throw new EnvelopeError('frame header too large');
  const out = new Uint8Array(6 + header.length + frame.payload.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, ENVELOPE_VERSION);
  view.setUint8(1, FRAME_KINDS[frame.kind]);
  view.setUint32(2, header.length);
  out.set(header, 6);
  out.set(frame.payload, 6 + header.length);
  return out;
}

/** Parses a frame; anything malformed, oversized or of the wrong version is an EnvelopeError. */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.length < 6 || bytes.length > MAX_ENVELOPE_BYTES)
    throw new EnvelopeError('bad frame size');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint8(0) !== ENVELOPE_VERSION)
    throw new EnvelopeError('unsupported envelope version');
  const kind = KIND_BY_BYTE.get(view.getUint8(1));
  if (kind === undefined) throw new EnvelopeError('unknown frame kind');
  const headerLength = view.getUint32(2);
  if (headerLength > MAX_ENVELOPE_HEADER_BYTES || 6 + headerLength > bytes.length) {
    throw new EnvelopeError('bad header length');
  }
  const payload = bytes.subarray(6 + headerLength);
  if (payload.length > PAYLOAD_LIMITS[kind]) throw new EnvelopeError('payload too large');
  let json: unknown;
  try {
    json = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(6, 6 + headerLength)),
    );
  } catch {
    throw new EnvelopeError('header is not JSON');
  }
  const parsed = HEADER_SCHEMAS[kind].safeParse(json);
  if (!parsed.success) throw new EnvelopeError('invalid frame header');
  return { kind, header: parsed.data, payload } as Frame;
}
