import {
  FILE_UPLOADS_PATH,
  TUS_VERSION,
  errorBodySchema,
  fileIdParamsSchema,
} from '@amtsbote/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { isBlobId } from '../../files/blob-id.js';
import {
  deleteOwnFile,
  fileNotFound,
  removeUploadRecord,
  requireOwnUpload,
  completeIfWhole,
  requireReadableFile,
  type FilesContext,
} from '../../files/file-service.js';
import type { IdentityContext } from '../../identity/identity-context.js';
import type { App } from '../app.js';
import { requirePrincipal } from '../authenticate.js';
import { replyWithBlob } from '../blob-reply.js';
import { TusUploads } from '../tus-uploads.js';

const TUS_CONTENT_TYPE = 'application/offset+octet-stream';
const COLLECTION_METHODS: readonly string[] = ['POST', 'OPTIONS'];
const UPLOAD_METHODS: readonly string[] = ['HEAD', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Encrypted files (ADR 0013): resumable tus uploads at FILE_UPLOADS_PATH, downloads with byte
 * ranges and deletion at /api/files/:id. The upload routes live in their own scope: only there
 * is an application/offset+octet-stream body left unread, for tus to stream into the store.
 */
export function registerFileRoutes(app: App, identity: IdentityContext, ctx: FilesContext): void {
  const tus = new TusUploads(ctx);
  const base = { tags: ['files'], security: [{ session: [] }] };

  void app.register((scope, _options, done) => {
    scope.addContentTypeParser(TUS_CONTENT_TYPE, (_request, _payload, parsed) => {
      parsed(null, undefined);
    });
    const handleTus = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const principal = await requirePrincipal(identity, request);
      const uploadId = uploadIdOf(request);
      const allowed = uploadId === null ? COLLECTION_METHODS : UPLOAD_METHODS;
      if (!allowed.includes(request.method)) {
        throw new AppError(405, 'method_not_allowed', 'method not allowed');
      }
      if (request.method !== 'OPTIONS' && request.headers['tus-resumable'] !== TUS_VERSION) {
        throw new AppError(412, 'invalid_request', `Tus-Resumable ${TUS_VERSION} is required`);
      }
      if (uploadId !== null) {
        if (!isBlobId(uploadId)) throw fileNotFound();
        const file = await requireOwnUpload(ctx, principal, uploadId);
        if (request.method === 'HEAD') await completeIfWhole(ctx, principal, file);
        // Terminated: the row goes first; bytes a failed removal leaves behind expire.
        if (request.method === 'DELETE') await removeUploadRecord(ctx, principal, uploadId);
      }
      void reply.hijack();
      reply.raw.setHeader('x-request-id', request.id);
      try {
        await tus.handle(request.raw, reply.raw, {
          principal,
          requestId: request.id,
          log: request.log,
          uploadId,
        });
      } catch (error) {
        request.log.error({ err: error }, 'upload failed');
        if (!reply.raw.headersSent) reply.raw.writeHead(500);
        reply.raw.destroy();
      }
    };
    // The parser above leaves bodies unread, so the app's body limit does not apply: they stream
    // to the store, and tus stops each at the upload's declared length.
    const options = { schema: { hide: true } };
    scope.all(FILE_UPLOADS_PATH, options, handleTus);
    scope.all(`${FILE_UPLOADS_PATH}/*`, options, handleTus);
    done();
  });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/files/:id',
    exposeHeadRoute: false,
    // No response schemas: the answer is the file's bytes; errors are the usual JSON bodies.
    schema: { ...base, params: fileIdParamsSchema },
    handler: async (request, reply) => {
      const principal = await requirePrincipal(identity, request);
      const file = await requireReadableFile(ctx, principal, request.params.id);
      return replyWithBlob(request, reply, ctx.blobStore, file);
    },
  });

  app.delete(
    '/api/files/:id',
    {
      schema: {
        ...base,
        params: fileIdParamsSchema,
        response: { 204: z.null(), '4xx': errorBodySchema, '5xx': errorBodySchema },
      },
    },
    async (request, reply) => {
      await deleteOwnFile(ctx, await requirePrincipal(identity, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}

/** The upload id of /api/files/uploads/<id>; null for the collection itself. */
function uploadIdOf(request: FastifyRequest): string | null {
  const params = request.params as Record<string, string | undefined>;
  return params['*'] ?? null;
}
