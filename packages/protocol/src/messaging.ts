import { z } from 'zod';
import { formerMemberSchema } from './roster.js';
import type { Brand } from './identity.js';

/*
 * Messaging wire types: key packages, conversations, handshake (commits, welcomes) and
 * application messages. Every MLS object is opaque to the server: bytes it stores and routes.
 * Over HTTP bytes travel as base64url; over the WebSocket as raw bytes (see envelope.ts).
 */

export type ConversationId = Brand<string, 'ConversationId'>;
export type MessageId = Brand<string, 'MessageId'>;

/** MLS ciphersuites an organization may choose. X-Wing (hybrid post-quantum) is the default. */
export const CIPHERSUITES = {
  /** MLS_256_XWING_AES256GCM_SHA512_Ed25519 */
  xwing: 0x0053,
  /** MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 */
  classic: 0x0001,
} as const;
export type CiphersuiteName = keyof typeof CIPHERSUITES;
export type CiphersuiteId = (typeof CIPHERSUITES)[CiphersuiteName];
export const ciphersuiteIdSchema = z.union([
  z.literal(CIPHERSUITES.xwing),
  z.literal(CIPHERSUITES.classic),
]);

export const CONVERSATION_KINDS = ['direct', 'group', 'channel'] as const;
export type ConversationKind = (typeof CONVERSATION_KINDS)[number];
export const CONVERSATION_ROLES = ['owner', 'poster', 'member'] as const;
export type ConversationRole = (typeof CONVERSATION_ROLES)[number];
/**
 * What an application message claims to be, in clear for the server: a 'post' (text, edits,
 * deletions, metadata) or a 'response' to one (acknowledgements, read markers, reactions). In
 * channels the server accepts posts only from owners and posters; receivers check that the
 * decrypted content matches the intent, so a member cannot pass a post off as a response.
 */
export const MESSAGE_INTENTS = ['post', 'response'] as const;
export type MessageIntent = (typeof MESSAGE_INTENTS)[number];

/*
 * Size limits of opaque MLS objects, sized for the largest group (the design's group-size policy
 * limit, 2,000 devices) in the larger ciphersuite, X-Wing; docs/performance.md has the figures.
 * An X-Wing key package is about 2.9 KiB; at 2,000 devices a commit adding all of them is
 * 5.5 MiB, its Welcome 2.4 MiB, a commit whose update path reaches every leaf 2.3 MiB, and a
 * full ratchet tree about 5.5 MiB. Classic X25519 objects are about a sixth of that.
 */
export const MAX_KEY_PACKAGE_BYTES = 8 * 1024;
export const MAX_COMMIT_BYTES = 8 * 1024 * 1024;
export const MAX_WELCOME_BYTES = 4 * 1024 * 1024;
export const MAX_GROUP_INFO_BYTES = 1024 * 1024;
export const MAX_RATCHET_TREE_BYTES = 8 * 1024 * 1024;
export const MAX_APPLICATION_MESSAGE_BYTES = 64 * 1024;
export const MAX_KEY_PACKAGES_PER_UPLOAD = 100;
/** The server tells a device to upload more when its stock of one-time key packages falls below. */
export const KEY_PACKAGE_LOW_WATERMARK = 10;

/** base64url text of bounded decoded size. */
export const bytesSchema = (maxBytes: number): z.ZodString =>
  z
    .string()
    .max(Math.ceil((maxBytes * 4) / 3))
    .regex(/^[A-Za-z0-9_-]*$/, 'base64url');

export const uploadKeyPackagesRequestSchema = z.strictObject({
  ciphersuite: ciphersuiteIdSchema,
  oneTime: z.array(bytesSchema(MAX_KEY_PACKAGE_BYTES)).max(MAX_KEY_PACKAGES_PER_UPLOAD),
  /** Replaces the device's last-resort key package, used when the one-time stock is empty. */
  lastResort: bytesSchema(MAX_KEY_PACKAGE_BYTES).optional(),
});
export const keyPackageStockSchema = z.object({
  ciphersuite: ciphersuiteIdSchema,
  oneTimeCount: z.number().int(),
  hasLastResort: z.boolean(),
  lowWatermark: z.number().int(),
});
export type KeyPackageStock = z.infer<typeof keyPackageStockSchema>;

export const keyPackageStockQuerySchema = z.strictObject({
  ciphersuite: z.coerce.number().pipe(ciphersuiteIdSchema),
});

export const claimKeyPackagesRequestSchema = z.strictObject({
  ciphersuite: ciphersuiteIdSchema,
  userIds: z.array(z.uuid()).min(1).max(100),
  /** Devices the caller already has (e.g. its own current device). */
  excludeDeviceIds: z.array(z.uuid()).max(100).default([]),
});
export const claimedKeyPackageSchema = z.object({
  userId: z.uuid(),
  deviceId: z.uuid(),
  keyPackage: z.string(),
  isLastResort: z.boolean(),
});
export type ClaimedKeyPackage = z.infer<typeof claimedKeyPackageSchema>;
export const claimKeyPackagesResponseSchema = z.object({
  keyPackages: z.array(claimedKeyPackageSchema),
});

/** The user's identity public key (Ed25519), published by their first device. */
export const publishIdentityKeyRequestSchema = z.strictObject({
  publicKey: bytesSchema(64),
});
export const userIdentitySchema = z.object({
  userId: z.uuid(),
  /** null until the user's first device published it. */
  identityKey: z.string().nullable(),
  /** Live (not revoked) devices of the user. */
  deviceIds: z.array(z.uuid()),
});
export type UserIdentity = z.infer<typeof userIdentitySchema>;

export const createConversationRequestSchema = z.strictObject({
  /** Chosen by the creator; its 16 bytes are the MLS group id. */
  conversationId: z.uuid(),
  kind: z.enum(CONVERSATION_KINDS),
  ciphersuite: ciphersuiteIdSchema,
  /** Other users to be members (the creator is added as owner). */
  memberUserIds: z.array(z.uuid()).max(2000),
  /** Channels: who may post besides the creator. */
  posterUserIds: z.array(z.uuid()).max(2000).default([]),
});
export const conversationMemberSchema = z.object({
  userId: z.uuid(),
  role: z.enum(CONVERSATION_ROLES),
});
export const conversationViewSchema = z.object({
  id: z.uuid(),
  kind: z.enum(CONVERSATION_KINDS),
  ciphersuite: ciphersuiteIdSchema,
  epoch: z.number().int(),
  /** Sequence number of the newest event (commit or message); 0 when empty. */
  lastSeq: z.number().int(),
  createdAt: z.iso.datetime(),
  members: z.array(conversationMemberSchema),
  /** Devices currently in the MLS group, as the server has routed them. */
  deviceIds: z.array(z.uuid()),
  /** Users who were members, and why they are no longer (ADR 0008). */
  formerMembers: z.array(formerMemberSchema).default([]),
});
export type ConversationView = z.infer<typeof conversationViewSchema>;
export const listConversationsResponseSchema = z.object({
  conversations: z.array(conversationViewSchema),
});

export const updateMembersRequestSchema = z.strictObject({
  add: z
    .array(z.strictObject({ userId: z.uuid(), role: z.enum(CONVERSATION_ROLES) }))
    .max(2000)
    .default([]),
  remove: z.array(z.uuid()).max(2000).default([]),
});

/**
 * A commit for the conversation's current epoch. Exactly one commit per epoch is accepted;
 * a commit for any other epoch gets 409 epoch_conflict and the client re-bases.
 */
export const submitCommitRequestSchema = z.strictObject({
  epoch: z.number().int().min(0),
  commit: bytesSchema(MAX_COMMIT_BYTES),
  /** MLS devices the commit adds or removes, for routing (the MLS group stays the truth). */
  addedDeviceIds: z.array(z.uuid()).max(2000).default([]),
  removedDeviceIds: z.array(z.uuid()).max(2000).default([]),
  welcome: bytesSchema(MAX_WELCOME_BYTES).optional(),
  /** Public group state after the commit, for new devices joining by external commit. */
  groupInfo: bytesSchema(MAX_GROUP_INFO_BYTES).optional(),
  ratchetTree: bytesSchema(MAX_RATCHET_TREE_BYTES).optional(),
});
export const submitCommitResponseSchema = z.object({
  epoch: z.number().int(),
  seq: z.number().int(),
});

/**
 * A device of a member user joins the group by itself (MLS external commit), built on the
 * conversation's latest group info. Fenced by epoch like any commit.
 */
export const submitExternalCommitRequestSchema = z.strictObject({
  epoch: z.number().int().min(0),
  commit: bytesSchema(MAX_COMMIT_BYTES),
  groupInfo: bytesSchema(MAX_GROUP_INFO_BYTES).optional(),
  ratchetTree: bytesSchema(MAX_RATCHET_TREE_BYTES).optional(),
});

/** The conversation's public group state, as the newest commit left it (null if it had none). */
export const groupInfoResponseSchema = z.object({
  epoch: z.number().int(),
  groupInfo: z.string().nullable(),
  ratchetTree: z.string().nullable(),
});

export const sendMessageRequestSchema = z.strictObject({
  /** Chosen by the sender; a resend with the same id is acknowledged once, stored once. */
  messageId: z.uuid(),
  epoch: z.number().int().min(0),
  ciphertext: bytesSchema(MAX_APPLICATION_MESSAGE_BYTES),
  intent: z.enum(MESSAGE_INTENTS).default('post'),
});
export const sendMessageResponseSchema = z.object({
  seq: z.number().int(),
  sentAt: z.iso.datetime(),
});

export const SYNC_EVENT_TYPES = ['commit', 'message', 'welcome'] as const;
export type SyncEventType = (typeof SYNC_EVENT_TYPES)[number];

/** One item of a device's stream; data is the MLS object (base64url over HTTP). */
export const syncEventSchema = z.object({
  type: z.enum(SYNC_EVENT_TYPES),
  conversationId: z.uuid(),
  /** Position in the conversation's log; welcomes carry the seq of their commit. */
  seq: z.number().int(),
  epoch: z.number().int(),
  senderDeviceId: z.uuid(),
  messageId: z.uuid().nullable(),
  /** Messages: the intent the sender declared; null for commits and welcomes. */
  intent: z.enum(MESSAGE_INTENTS).nullable(),
  sentAt: z.iso.datetime(),
  data: z.string(),
  /** Welcomes: the group's ratchet tree, when the committer provided it. */
  ratchetTree: z.string().nullable(),
});
export type SyncEvent = z.infer<typeof syncEventSchema>;
export const syncResponseSchema = z.object({
  events: z.array(syncEventSchema),
  hasMore: z.boolean(),
});
export const syncQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export const syncAckRequestSchema = z.strictObject({
  cursors: z
    .array(z.strictObject({ conversationId: z.uuid(), seq: z.number().int().min(0) }))
    .max(1000),
});
