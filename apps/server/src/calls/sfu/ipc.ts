/*
 * The messages between the pool (parent) and an SFU worker (child process), both directions.
 * Everything received is `unknown` until parsed here: a malformed message becomes an
 * SfuIpcError naming the failing paths, never a crash. Every field is bounded, and so is a
 * whole message (MAX_IPC_MESSAGE_BYTES as JSON).
 */
import { z } from 'zod';
import { SFU_ERROR_CODES, SfuIpcError } from './errors.js';
import { CONNECTION_ROLES, CONNECTION_STATES, MEDIA_KINDS } from './sfu.js';

export const MAX_IPC_MESSAGE_BYTES = 256 * 1024;
const MAX_SDP_CHARS = 64 * 1024;
const MAX_ID_CHARS = 128;
const MAX_LAYERS = 4;
const MAX_TRACKS = 512;
export const MAX_INSPECTION_RECORDS = 4096;

const id = z.string().min(1).max(MAX_ID_CHARS);
const sdp = z.string().min(1).max(MAX_SDP_CHARS);
const kind = z.enum(MEDIA_KINDS);
const dimension = z.number().int().min(1).max(16_384);
const bitrate = z.number().int().min(1).max(100_000_000);

const layer = z.strictObject({
  rid: z.string().min(1).max(16),
  width: dimension,
  height: dimension,
  maxBitrateBps: bitrate,
});

const iceServer = z.strictObject({
  urls: z.string().min(1).max(512),
  username: z.string().max(512).optional(),
  credential: z.string().max(512).optional(),
});

const port = z.number().int().min(1).max(65_535);

export const workerConfigSchema = z.strictObject({
  iceServers: z.array(iceServer).max(16),
  portRange: z.tuple([port, port]).nullable(),
  allowPrivateAddresses: z.boolean(),
  isLoopbackOnly: z.boolean(),
  /** Test hook: report every forwarded payload to the parent (VITEST only). */
  isInspecting: z.boolean(),
});
export type WorkerConfig = z.infer<typeof workerConfigSchema>;

const roomRef = { roomId: id };
const participantRef = { roomId: id, participantId: id };

export const workerRequestSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('create_room'), ...roomRef }),
  z.strictObject({ op: z.literal('join'), ...participantRef }),
  z.strictObject({
    op: z.literal('publish'),
    ...participantRef,
    offerSdp: sdp,
    layers: z.array(layer).max(MAX_LAYERS),
  }),
  z.strictObject({ op: z.literal('answer_subscription'), ...participantRef, answerSdp: sdp }),
  z.strictObject({
    op: z.literal('set_layer_preference'),
    ...participantRef,
    publisherId: id,
    maxWidth: dimension,
    maxHeight: dimension,
    bandwidthBps: bitrate.nullable(),
  }),
  z.strictObject({ op: z.literal('set_muted'), ...participantRef, kind, isMuted: z.boolean() }),
  z.strictObject({ op: z.literal('leave'), ...participantRef }),
  z.strictObject({ op: z.literal('close_room'), ...roomRef }),
]);
export type WorkerRequest = z.infer<typeof workerRequestSchema>;

export const parentMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('configure'), config: workerConfigSchema }),
  z.strictObject({
    type: z.literal('request'),
    id: z.number().int().min(0),
    request: workerRequestSchema,
  }),
]);
export type ParentMessage = z.infer<typeof parentMessageSchema>;

export const workerEventSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('subscriber_offer'),
    ...participantRef,
    offerSdp: sdp,
    tracks: z
      .array(z.strictObject({ mid: z.string().min(1).max(32), publisherId: id, kind }))
      .max(MAX_TRACKS),
  }),
  z.strictObject({
    type: z.literal('mute_changed'),
    ...participantRef,
    kind,
    isMuted: z.boolean(),
  }),
  z.strictObject({ type: z.literal('active_speaker'), ...roomRef, participantId: id.nullable() }),
  z.strictObject({
    type: z.literal('connection_state'),
    ...participantRef,
    role: z.enum(CONNECTION_ROLES),
    state: z.enum(CONNECTION_STATES),
  }),
]);
export type WorkerEvent = z.infer<typeof workerEventSchema>;

export const inspectionRecordSchema = z.strictObject({
  roomId: id,
  publisherId: id,
  subscriberId: id,
  kind,
  /** The forwarded RTP payload, base64. */
  payload: z.string().max(4 * 1024),
});
export type InspectionRecord = z.infer<typeof inspectionRecordSchema>;

/**
 * An error our code threw inside a werift callback, caught in the worker (werift/fault-reporter.ts):
 * where (room, participant, connection, what it was doing), what (error name and message start),
 * and how often since the last report.
 */
export const workerFaultSchema = z.strictObject({
  type: z.literal('fault'),
  roomId: id,
  participantId: id.nullable(),
  role: z.enum(CONNECTION_ROLES).nullable(),
  context: z.string().min(1).max(64),
  error: z.string().max(256),
  count: z.number().int().min(1),
});
export type WorkerFault = z.infer<typeof workerFaultSchema>;

export const workerMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready') }),
  z.strictObject({
    type: z.literal('response'),
    id: z.number().int().min(0),
    result: z.strictObject({ answerSdp: sdp.optional() }),
  }),
  z.strictObject({
    type: z.literal('failure'),
    id: z.number().int().min(0),
    code: z.enum(SFU_ERROR_CODES),
    message: z.string().max(1024),
  }),
  z.strictObject({ type: z.literal('event'), event: workerEventSchema }),
  /** A message the worker refused (no request id could be read from it). */
  z.strictObject({
    type: z.literal('refused'),
    code: z.enum(SFU_ERROR_CODES),
    issues: z.array(z.string().max(256)).max(32),
  }),
  z.strictObject({
    type: z.literal('inspection'),
    records: z.array(inspectionRecordSchema).max(MAX_INSPECTION_RECORDS),
    droppedCount: z.number().int().min(0),
  }),
  workerFaultSchema,
]);
export type WorkerMessage = z.infer<typeof workerMessageSchema>;

function parseBounded<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 32)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`);
    throw new SfuIpcError('sfu_ipc_malformed', `malformed ${what}`, issues);
  }
  return result.data;
}

/** A message from the parent, as the worker receives it. */
export const parseParentMessage = (value: unknown): ParentMessage =>
  parseBounded(parentMessageSchema, value, 'message to the SFU worker');

/** A message from a worker, as the pool receives it. */
export const parseWorkerMessage = (value: unknown): WorkerMessage =>
  parseBounded(workerMessageSchema, value, 'message from the SFU worker');

/** The JSON size of an outgoing message; refuses one over the limit before it is sent. */
export function assertSendable(message: ParentMessage | WorkerMessage): void {
  const bytes = Buffer.byteLength(JSON.stringify(message), 'utf8');
  if (bytes > MAX_IPC_MESSAGE_BYTES) {
    throw new SfuIpcError('sfu_ipc_too_large', `IPC message of ${bytes} bytes`, [message.type]);
  }
}
