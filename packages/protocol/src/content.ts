import { z } from 'zod';

/*
 * What members say to each other inside MLS application messages. The server never sees any of
 * it: these schemas are parsed only by clients, after decryption. Every content carries its own
 * version so old clients can name what they cannot show.
 */

export const CONTENT_VERSION = 1;
export const MAX_TEXT_CHARS = 10_000;
export const MAX_MENTIONS = 100;
export const MAX_CONVERSATION_NAME_CHARS = 120;
export const MAX_TOPIC_CHARS = 1_000;

const messageRef = z.uuid();

export const mentionSchema = z.strictObject({
  userId: z.uuid(),
  /** UTF-16 offsets of the mention in the text, for highlighting. */
  start: z.number().int().min(0),
  length: z.number().int().min(1).max(200),
});

export const THUMBNAIL_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
/** Longest edge of a thumbnail, in pixels. */
export const MAX_THUMBNAIL_EDGE = 640;
export const MAX_THUMBNAIL_BYTES = 256 * 1024;

/**
 * A small preview of an image attachment, made on the sending device and uploaded as a file of
 * its own (encrypted under its own key), so that recipients see it before they fetch the file.
 */
export const thumbnailRefSchema = z.strictObject({
  fileId: z.uuid(),
  mediaType: z.enum(THUMBNAIL_MEDIA_TYPES),
  width: z.number().int().min(1).max(MAX_THUMBNAIL_EDGE),
  height: z.number().int().min(1).max(MAX_THUMBNAIL_EDGE),
  sizeBytes: z.number().int().min(1).max(MAX_THUMBNAIL_BYTES),
  /** base64url file key of the thumbnail; travels only inside MLS. */
  key: z.string().max(100),
});
export type ThumbnailRef = z.output<typeof thumbnailRefSchema>;

/** An attachment is a reference; the file-transfer capability fills in key and location. */
export const attachmentRefSchema = z.strictObject({
  fileId: z.uuid(),
  name: z.string().max(255),
  mediaType: z.string().max(255),
  sizeBytes: z.number().int().min(0),
  /** base64url file key; travels only inside MLS. */
  key: z.string().max(100),
  thumbnail: thumbnailRefSchema.optional(),
});

export type AttachmentRef = z.output<typeof attachmentRefSchema>;

export const messageContentSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('text'),
    text: z.string().min(1).max(MAX_TEXT_CHARS),
    mentions: z.array(mentionSchema).max(MAX_MENTIONS).default([]),
    replyTo: messageRef.nullable().default(null),
    isUrgent: z.boolean().default(false),
    attachments: z.array(attachmentRefSchema).max(20).default([]),
  }),
  z.strictObject({
    type: z.literal('edit'),
    target: messageRef,
    text: z.string().min(1).max(MAX_TEXT_CHARS),
  }),
  /** Erases the target's content on every device; a tombstone stays in the timeline. */
  z.strictObject({ type: z.literal('delete'), target: messageRef }),
  z.strictObject({
    type: z.literal('reaction'),
    target: messageRef,
    emoji: z.string().min(1).max(16),
    isRemoved: z.boolean().default(false),
  }),
  /** The reader has read everything up to and including this message. */
  z.strictObject({ type: z.literal('read'), upTo: messageRef }),
  /** Announcement channels: the member acknowledges a post. */
  z.strictObject({ type: z.literal('acknowledge'), target: messageRef }),
  /** Conversation name and topic, encrypted like everything else. */
  z.strictObject({
    type: z.literal('metadata'),
    name: z.string().max(MAX_CONVERSATION_NAME_CHARS).nullable(),
    topic: z.string().max(MAX_TOPIC_CHARS).nullable(),
  }),
]);
export type MessageContent = z.output<typeof messageContentSchema>;
export type MessageContentInput = z.input<typeof messageContentSchema>;

/** The plaintext of an application message: the sender's message id and the content. */
export const applicationPayloadSchema = z.strictObject({
  v: z.literal(CONTENT_VERSION),
  messageId: z.uuid(),
  /** Sender's clock, informational; ordering comes from the server's seq. */
  sentAt: z.iso.datetime(),
  content: messageContentSchema,
});
export type ApplicationPayload = z.output<typeof applicationPayloadSchema>;

export class ContentError extends Error {
  readonly code = 'invalid_content';
}

export function encodeApplicationPayload(
  payload: z.input<typeof applicationPayloadSchema>,
): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(applicationPayloadSchema.parse(payload)));
}

/** Parses decrypted bytes; a member's malformed content is an error, not a crash. */
export function decodeApplicationPayload(bytes: Uint8Array): ApplicationPayload {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new ContentError('content is not UTF-8 JSON');
  }
  const parsed = applicationPayloadSchema.safeParse(json);
  if (!parsed.success) throw new ContentError('content does not match any known type');
  return parsed.data;
}

/*
 * Ephemeral content: shown while it lasts and stored by no one. It travels as an MLS application
 * message in an 'ephemeral' WebSocket frame, which the server relays to the devices connected at
 * that moment and forgets. It has no message id: nothing refers to it, nothing de-duplicates it.
 */

/**
 * The MLS authenticated data of every ephemeral message. It binds the ciphertext to its purpose:
 * a receiver drops a stored message relayed as ephemeral before parsing anything, and the strict
 * payload schemas (a message id or none) keep the two apart in the other direction.
 */
export const EPHEMERAL_AUTHENTICATED_DATA = 'amtsbote ephemeral v1';
/** A typing indicator shows this long after its last refresh, unless it is ended earlier. */
export const TYPING_EXPIRY_MS = 6_000;
/** Senders refresh a running indicator at most this often: well within TYPING_EXPIRY_MS. */
export const TYPING_REFRESH_MS = 3_000;

export const ephemeralContentSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('typing'), isTyping: z.boolean() }),
]);
export type EphemeralContent = z.output<typeof ephemeralContentSchema>;

export const ephemeralPayloadSchema = z.strictObject({
  v: z.literal(CONTENT_VERSION),
  /** Sender's clock: receivers drop what is far too old (a withheld and replayed message). */
  sentAt: z.iso.datetime(),
  content: ephemeralContentSchema,
});
export type EphemeralPayload = z.output<typeof ephemeralPayloadSchema>;

export function encodeEphemeralPayload(
  payload: z.input<typeof ephemeralPayloadSchema>,
): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(ephemeralPayloadSchema.parse(payload)));
}

/** Parses decrypted bytes of an ephemeral message; anything else is a ContentError. */
export function decodeEphemeralPayload(bytes: Uint8Array): EphemeralPayload {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new ContentError('content is not UTF-8 JSON');
  }
  const parsed = ephemeralPayloadSchema.safeParse(json);
  if (!parsed.success) throw new ContentError('content is not a known ephemeral type');
  return parsed.data;
}
