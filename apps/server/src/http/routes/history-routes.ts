import {
  MAX_HISTORY_BLOCK_BYTES,
  errorBodySchema,
  historyBlockParamsSchema,
  historyPageResponseSchema,
  historyQuerySchema,
  idParamsSchema,
  putHistoryBlockRequestSchema,
  putHistoryBlockResponseSchema,
} from '@amtsbote/protocol';
import type { IdentityContext } from '../../identity/identity-context.js';
import { decodeBytes } from '../../messaging/bytes.js';
import {
  listHistoryBlocks,
  putHistoryBlock,
  type HistoryLimits,
} from '../../messaging/history-service.js';
import type { MessagingContext } from '../../messaging/messaging-context.js';
import type { App } from '../app.js';
import { requirePrincipal } from '../authenticate.js';

/**
 * Room for a block just over the limit (refused with the typed history_block_too_large) and the
 * JSON around it; anything larger is cut off by the body limit (body_too_large).
 */
const PUT_BODY_LIMIT_BYTES = Math.ceil(((MAX_HISTORY_BLOCK_BYTES + 1024) * 4) / 3) + 4 * 1024;

/** The per-user history backup: the caller's own sealed blocks, per conversation. */
export function registerHistoryRoutes(
  app: App,
  identity: IdentityContext,
  ctx: MessagingContext,
  limits: HistoryLimits,
): void {
  const base = { tags: ['history'], security: [{ session: [] }] };

  app.put(
    '/api/me/history/:id/blocks/:block',
    {
      bodyLimit: PUT_BODY_LIMIT_BYTES,
      schema: {
        ...base,
        params: historyBlockParamsSchema,
        body: putHistoryBlockRequestSchema,
        response: {
          200: putHistoryBlockResponseSchema,
          '4xx': errorBodySchema,
          507: errorBodySchema,
        },
      },
    },
    async (request) =>
      putHistoryBlock(ctx, await requirePrincipal(identity, request), limits, {
        conversationId: request.params.id,
        block: request.params.block,
        ciphertext: decodeBytes(request.body.ciphertext, 'ciphertext'),
        expectedRevision: request.body.expectedRevision ?? null,
      }),
  );
  app.get(
    '/api/me/history/:id',
    {
      schema: {
        ...base,
        params: idParamsSchema,
        querystring: historyQuerySchema,
        response: { 200: historyPageResponseSchema, '4xx': errorBodySchema },
      },
    },
    async (request) =>
      listHistoryBlocks(ctx, await requirePrincipal(identity, request), request.params.id, {
        before: request.query.before ?? null,
        limit: request.query.limit,
      }),
  );
}
