import {
  MAX_APPLICATION_MESSAGE_BYTES,
  MAX_COMMIT_BYTES,
  MAX_GROUP_INFO_BYTES,
  MAX_KEY_PACKAGE_BYTES,
  MAX_KEY_PACKAGES_PER_UPLOAD,
  MAX_RATCHET_TREE_BYTES,
  MAX_WELCOME_BYTES,
  claimKeyPackagesRequestSchema,
  claimKeyPackagesResponseSchema,
  conversationViewSchema,
  createConversationRequestSchema,
  errorBodySchema,
  groupInfoResponseSchema,
  idParamsSchema,
  keyPackageStockQuerySchema,
  keyPackageStockSchema,
  leaveConversationRequestSchema,
  listConversationsResponseSchema,
  publishIdentityKeyRequestSchema,
  sendMessageRequestSchema,
  sendMessageResponseSchema,
  submitCommitRequestSchema,
  submitCommitResponseSchema,
  submitExternalCommitRequestSchema,
  syncAckRequestSchema,
  syncQuerySchema,
  syncResponseSchema,
  updateMembersRequestSchema,
  uploadKeyPackagesRequestSchema,
  userIdentitySchema,
} from '@amtsbote/protocol';
import { z } from 'zod';
import type { IdentityContext } from '../../identity/identity-context.js';
import { decodeBytes } from '../../messaging/bytes.js';
import {
  describeGroupInfo,
  submitCommit,
  submitExternalCommit,
} from '../../messaging/commit-service.js';
import {
  createConversation,
  describeConversation,
  listConversations,
  updateMembers,
} from '../../messaging/conversation-service.js';
import { describeUserIdentity, publishIdentityKey } from '../../messaging/identity-key-service.js';
import { leaveConversation } from '../../messaging/leave-service.js';
import {
  claimKeyPackages,
  describeKeyPackageStock,
  uploadKeyPackages,
} from '../../messaging/key-package-service.js';
import type { MessagingContext } from '../../messaging/messaging-context.js';
import { sendMessage } from '../../messaging/message-service.js';
import { acknowledge, syncDevice } from '../../messaging/sync-service.js';
import type { App } from '../app.js';
import { requirePrincipal } from '../authenticate.js';

/** Characters of base64url text for this many bytes. */
const base64Length = (bytes: number): number => Math.ceil((bytes * 4) / 3);
/** Room for JSON syntax, field names and small fields around the large ones. */
const JSON_OVERHEAD_BYTES = 4 * 1024;
/** A JSON list of uuids: quotes and comma included. */
const uuidListBytes = (count: number): number => count * 39;

const BODY_LIMITS = {
  keyPackages:
    (MAX_KEY_PACKAGES_PER_UPLOAD + 1) * (base64Length(MAX_KEY_PACKAGE_BYTES) + 3) +
    JSON_OVERHEAD_BYTES,
  conversation: uuidListBytes(4000) + JSON_OVERHEAD_BYTES,
  members: uuidListBytes(2000) * 2 + 2000 * 32 + JSON_OVERHEAD_BYTES,
  commit:
    base64Length(MAX_COMMIT_BYTES + MAX_WELCOME_BYTES + MAX_GROUP_INFO_BYTES) +
    base64Length(MAX_RATCHET_TREE_BYTES) +
    uuidListBytes(4000) +
    JSON_OVERHEAD_BYTES,
  message: base64Length(MAX_APPLICATION_MESSAGE_BYTES) + JSON_OVERHEAD_BYTES,
  ack: 1000 * 80 + JSON_OVERHEAD_BYTES,
} as const;

/**
 * The delivery service (ADR 0006): identity keys, key packages, conversations, handshake,
 * messages and sync. Every route needs a session; everything is scoped to its organization.
 */
export function registerMessagingRoutes(
  app: App,
  identity: IdentityContext,
  ctx: MessagingContext,
): void {
  const base = { tags: ['messaging'], security: [{ session: [] }] };
  const principalOf = (request: Parameters<typeof requirePrincipal>[1]) =>
    requirePrincipal(identity, request);

  app.put(
    '/api/me/identity-key',
    {
      schema: {
        ...base,
        body: publishIdentityKeyRequestSchema,
        response: { 200: userIdentitySchema, '4xx': errorBodySchema },
      },
    },
    async (request) => publishIdentityKey(ctx, await principalOf(request), request.body.publicKey),
  );
  app.get(
    '/api/users/:id/identity',
    {
      schema: {
        ...base,
        params: idParamsSchema,
        response: { 200: userIdentitySchema, '4xx': errorBodySchema },
      },
    },
    async (request) => describeUserIdentity(ctx, await principalOf(request), request.params.id),
  );

  app.post(
    '/api/me/key-packages',
    {
      bodyLimit: BODY_LIMITS.keyPackages,
      schema: {
        ...base,
        body: uploadKeyPackagesRequestSchema,
        response: { 200: keyPackageStockSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => uploadKeyPackages(ctx, await principalOf(request), request.body),
  );
  app.get(
    '/api/me/key-packages',
    {
      schema: {
        ...base,
        querystring: keyPackageStockQuerySchema,
        response: { 200: keyPackageStockSchema, '4xx': errorBodySchema },
      },
    },
    async (request) =>
      describeKeyPackageStock(ctx, await principalOf(request), request.query.ciphersuite),
  );
  app.post(
    '/api/key-packages/claim',
    {
      schema: {
        ...base,
        body: claimKeyPackagesRequestSchema,
        response: { 200: claimKeyPackagesResponseSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => ({
      keyPackages: await claimKeyPackages(ctx, await principalOf(request), request.body),
    }),
  );

  app.post(
    '/api/conversations',
    {
      bodyLimit: BODY_LIMITS.conversation,
      schema: {
        ...base,
        body: createConversationRequestSchema,
        response: { 201: conversationViewSchema, '4xx': errorBodySchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createConversation(ctx, await principalOf(request), request.body)),
  );
  app.get(
    '/api/conversations',
    {
      schema: {
        ...base,
        response: { 200: listConversationsResponseSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => ({
      conversations: await listConversations(ctx, await principalOf(request)),
    }),
  );
  app.get(
    '/api/conversations/:id',
    {
      schema: {
        ...base,
        params: idParamsSchema,
        response: { 200: conversationViewSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => describeConversation(ctx, await principalOf(request), request.params.id),
  );
  app.post(
    '/api/conversations/:id/members',
    {
      bodyLimit: BODY_LIMITS.members,
      schema: {
        ...base,
        params: idParamsSchema,
        body: updateMembersRequestSchema,
        response: { 200: conversationViewSchema, '4xx': errorBodySchema },
      },
    },
    async (request) =>
      updateMembers(ctx, await principalOf(request), request.params.id, request.body),
  );

  app.post(
    '/api/conversations/:id/leave',
    {
      schema: {
        ...base,
        params: idParamsSchema,
        body: leaveConversationRequestSchema,
        response: { 204: z.null(), '4xx': errorBodySchema },
      },
    },
    async (request, reply) => {
      await leaveConversation(ctx, await principalOf(request), request.params.id, request.body);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/conversations/:id/commits',
    {
      bodyLimit: BODY_LIMITS.commit,
      schema: {
        ...base,
        params: idParamsSchema,
        body: submitCommitRequestSchema,
        response: { 200: submitCommitResponseSchema, '4xx': errorBodySchema },
      },
    },
    async (request) =>
      submitCommit(ctx, await principalOf(request), request.params.id, request.body),
  );
  app.post(
    '/api/conversations/:id/external-commits',
    {
      bodyLimit: BODY_LIMITS.commit,
      schema: {
        ...base,
        params: idParamsSchema,
        body: submitExternalCommitRequestSchema,
        response: { 200: submitCommitResponseSchema, '4xx': errorBodySchema },
      },
    },
    async (request) =>
      submitExternalCommit(ctx, await principalOf(request), request.params.id, request.body),
  );
  app.get(
    '/api/conversations/:id/group-info',
    {
      schema: {
        ...base,
        params: idParamsSchema,
        response: { 200: groupInfoResponseSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => describeGroupInfo(ctx, await principalOf(request), request.params.id),
  );

  app.post(
    '/api/conversations/:id/messages',
    {
      bodyLimit: BODY_LIMITS.message,
      schema: {
        ...base,
        params: idParamsSchema,
        body: sendMessageRequestSchema,
        response: { 200: sendMessageResponseSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => {
      const principal = await principalOf(request);
      const sent = await sendMessage(ctx, principal, {
        conversationId: request.params.id,
        messageId: request.body.messageId,
        epoch: request.body.epoch,
        ciphertext: decodeBytes(request.body.ciphertext, 'ciphertext'),
        intent: request.body.intent,
      });
      return { seq: sent.seq, sentAt: sent.sentAt.toISOString() };
    },
  );

  app.get(
    '/api/sync',
    {
      schema: {
        ...base,
        querystring: syncQuerySchema,
        response: { 200: syncResponseSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => syncDevice(ctx, await principalOf(request), request.query.limit),
  );
  app.post(
    '/api/sync/ack',
    {
      bodyLimit: BODY_LIMITS.ack,
      schema: {
        ...base,
        body: syncAckRequestSchema,
        response: { 204: z.null(), '4xx': errorBodySchema },
      },
    },
    async (request, reply) => {
      await acknowledge(ctx, await principalOf(request), request.body.cursors);
      return reply.code(204).send(null);
    },
  );
}
