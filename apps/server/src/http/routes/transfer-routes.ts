import {
  TRANSFER_TICKET_HEADER,
  createTransferRequestSchema,
  errorBodySchema,
  transferAccessRequestSchema,
  transferIdParamsSchema,
  transferListSchema,
  transferOfferSchema,
  transferSchema,
  transferTicketSchema,
} from '@amtsbote/protocol';
import type { FilesContext } from '../../files/file-service.js';
import {
  createTransfer,
  listTransfers,
  openTransfer,
  requireTicketFile,
  revokeTransfer,
  startTransferDownload,
} from '../../files/transfer-service.js';
import type { IdentityContext } from '../../identity/identity-context.js';
import type { App } from '../app.js';
import { requirePrincipal } from '../authenticate.js';
import { replyWithBlob } from '../blob-reply.js';

/**
 * Transfers (packages/protocol/src/transfers.ts). The sender's routes take a session; the
 * recipient's take the link's access token in the body (never in a URL, so it is in no log)
 * or a download's ticket in a header, and are limited like every route that tries secrets.
 */
export function registerTransferRoutes(
  app: App,
  identity: IdentityContext,
  ctx: FilesContext,
  secretLimit: { max: number; timeWindow: number },
): void {
  const sender = { tags: ['transfers'], security: [{ session: [] }] };
  const errors = { '4xx': errorBodySchema, '5xx': errorBodySchema };

  app.post(
    '/api/transfers',
    {
      schema: {
        ...sender,
        body: createTransferRequestSchema,
        response: { 201: transferSchema, ...errors },
      },
    },
    async (request, reply) => {
      const principal = await requirePrincipal(identity, request);
      return reply.code(201).send(await createTransfer(ctx, principal, request.body));
    },
  );

  app.get(
    '/api/transfers',
    { schema: { ...sender, response: { 200: transferListSchema, ...errors } } },
    async (request) => ({
      transfers: await listTransfers(ctx, await requirePrincipal(identity, request)),
    }),
  );

  app.delete(
    '/api/transfers/:id',
    {
      schema: {
        ...sender,
        params: transferIdParamsSchema,
        response: { 200: transferSchema, ...errors },
      },
    },
    async (request) =>
      revokeTransfer(ctx, await requirePrincipal(identity, request), request.params.id),
  );

  const recipient = { tags: ['transfers'] };
  app.post(
    '/api/transfers/:id/open',
    {
      config: { rateLimit: secretLimit },
      schema: {
        ...recipient,
        params: transferIdParamsSchema,
        body: transferAccessRequestSchema,
        response: { 200: transferOfferSchema, ...errors },
      },
    },
    async (request) => openTransfer(ctx, request.params.id, request.body.access),
  );

  app.post(
    '/api/transfers/:id/downloads',
    {
      config: { rateLimit: secretLimit },
      schema: {
        ...recipient,
        params: transferIdParamsSchema,
        body: transferAccessRequestSchema,
        response: { 201: transferTicketSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await startTransferDownload(ctx, request.params.id, request.body.access)),
  );

  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/transfers/:id/content',
    exposeHeadRoute: false,
    // No response schemas: the answer is the file's bytes; errors are the usual JSON bodies.
    schema: { ...recipient, params: transferIdParamsSchema },
    handler: async (request, reply) => {
      const header = request.headers[TRANSFER_TICKET_HEADER];
      const file = await requireTicketFile(
        ctx,
        request.params.id,
        typeof header === 'string' ? header : undefined,
      );
      return replyWithBlob(request, reply, ctx.blobStore, {
        id: file.fileId,
        sizeBytes: file.sizeBytes,
      });
    },
  });
}
