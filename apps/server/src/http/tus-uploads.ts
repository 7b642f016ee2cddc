import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ERRORS,
  Server,
  type CancellationContext,
  type ServerOptions,
  type Upload,
} from '@tus/server';
import {
  FILE_UPLOADS_PATH,
  UPLOAD_METADATA_CONVERSATION_ID,
  uploadMetadataSchema,
  type ErrorCode,
} from '@amtsbote/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../errors.js';
import { BlobStoreError } from '../files/blob-store-error.js';
import {
  completeUploadRecord,
  createUploadRecord,
  fileNotFound,
  fileTooLarge,
  removeUploadRecord,
  type FilesContext,
} from '../files/file-service.js';
import { isTusError } from '../files/tus-errors.js';
import type { Principal } from '../identity/sessions.js';
import { blobStoreErrorResponse, errorBody } from './error-handler.js';

/** A tus request the file routes authenticated (and, past a creation, authorized) already. */
export interface UploadRequest {
  readonly principal: Principal;
  readonly requestId: string;
  readonly log: FastifyBaseLogger;
  /** HEAD, PATCH, DELETE: the upload the route checked is the caller device's; null for POST. */
  readonly uploadId: string | null;
}

type TusRequest = Parameters<NonNullable<ServerOptions['onUploadCreate']>>[0];
type TusResponse = Awaited<ReturnType<Server['write']>>;

/**
 * tus answers with a web Response, which gives a string body text/plain unless a type is set;
 * the bodies onResponseError returns are our JSON errors, and say so.
 */
class JsonErrorServer extends Server {
  override async write(
    context: CancellationContext,
    headers: Headers,
    status: number,
    body?: string,
  ): Promise<TusResponse> {
    if (status >= 400 && body?.startsWith('{"error":') === true) {
      headers.set('Content-Type', 'application/json; charset=utf-8');
    }
    return super.write(context, headers, status, body);
  }
}
type ErrorAnswer = readonly [number, ErrorCode, string];

/** tus's own errors, answered in our format; statuses follow tus where they are sensible. */
const TUS_ERROR_ANSWERS = new Map<unknown, ErrorAnswer>([
  [ERRORS.FILE_NOT_FOUND, [404, 'file_not_found', 'file not found']],
  [ERRORS.FILE_NO_LONGER_EXISTS, [404, 'file_not_found', 'file not found']],
  [ERRORS.ERR_SIZE_EXCEEDED, [413, 'body_too_large', 'the body is longer than the upload']],
  [
    ERRORS.INVALID_OFFSET,
    [409, 'upload_offset_conflict', 'Upload-Offset is not the offset of the upload'],
  ],
  [ERRORS.MISSING_OFFSET, [400, 'invalid_request', 'Upload-Offset is required']],
  [
    ERRORS.INVALID_CONTENT_TYPE,
    [415, 'unsupported_media_type', 'send application/offset+octet-stream'],
  ],
  [ERRORS.INVALID_LENGTH, [400, 'invalid_request', 'Upload-Length is required']],
  [ERRORS.INVALID_METADATA, [400, 'invalid_request', 'Upload-Metadata is malformed']],
  [ERRORS.ABORTED, [400, 'invalid_request', 'the upload was interrupted']],
  [ERRORS.INVALID_TERMINATION, [400, 'invalid_request', 'the upload cannot be terminated']],
  [
    ERRORS.UNSUPPORTED_CREATION_DEFER_LENGTH_EXTENSION,
    [400, 'invalid_request', 'Upload-Length is required'],
  ],
  [ERRORS.UNSUPPORTED_CONCATENATION_EXTENSION, [400, 'invalid_request', 'no concatenation']],
  [ERRORS.ERR_LOCK_TIMEOUT, [503, 'unavailable', 'the upload is busy, try again']],
]);

/**
 * The tus server (ADR 0013) over the blob store's upload DataStore. Authentication and the
 * ownership of an existing upload are checked by the route before tus sees the request; the
 * hooks here add what only tus knows: the new upload's id and length (the files row, within
 * quota) and its end (the row completed). Every error answer is our JSON error body.
 */
export class TusUploads {
  readonly #server: JsonErrorServer;
  readonly #ctx: FilesContext;
  /** The route's findings, for the hooks, which see tus's view of the request only. */
  readonly #requests = new WeakMap<object, UploadRequest>();
  /** The upload whose files row a creation wrote, until its answer is sent. */
  readonly #created = new WeakMap<object, string>();

  constructor(ctx: FilesContext) {
    this.#ctx = ctx;
    this.#server = new JsonErrorServer({
      path: FILE_UPLOADS_PATH,
      datastore: ctx.uploads,
      namingFunction: () => randomUUID(),
      maxSize: ctx.limits.maxFileBytes,
      relativeLocation: true,
      respectForwardedHeaders: false,
      // The web app is served from our origin: no cross-origin uploads.
      allowedOrigins: () => false,
      onIncomingRequest: (req, uploadId) =>
        Promise.resolve().then(() => {
          this.#checkUploadId(req, uploadId);
        }),
      onUploadCreate: (req, upload) => this.#create(req, upload),
      onUploadFinish: async (req, upload) => {
        await completeUploadRecord(this.#ctx, this.#requestOf(req).principal, upload.id);
        return {};
      },
      onResponseError: (req, error) => this.#answerError(req, error),
    });
  }

  /** Lets tus answer the request; the route has hijacked the reply. */
  async handle(raw: IncomingMessage, res: ServerResponse, request: UploadRequest): Promise<void> {
    this.#requests.set(raw, request);
    try {
      await this.#server.handle(raw, res);
    } finally {
      this.#requests.delete(raw);
      this.#created.delete(raw);
    }
  }

  #requestOf(req: TusRequest): UploadRequest {
    const request = this.#findRequest(req);
    // The route registers every request before tus sees it; without one, refuse.
    if (request === null) {
      throw new AppError(401, 'unauthenticated', 'a valid session is required');
    }
    return request;
  }

  #findRequest(req: TusRequest): UploadRequest | null {
    const raw = req.runtime?.node?.req;
    return (raw === undefined ? undefined : this.#requests.get(raw)) ?? null;
  }

  /** tus reads the id from the URL itself; it must be the one the route authorized. */
  #checkUploadId(req: TusRequest, uploadId: string): void {
    const request = this.#requestOf(req);
    if (req.method === 'POST') return;
    if (request.uploadId !== uploadId) throw fileNotFound();
  }

  async #create(req: TusRequest, upload: Upload): Promise<{ metadata: Record<string, string> }> {
    const { principal } = this.#requestOf(req);
    if (upload.size === undefined) {
      throw new AppError(400, 'invalid_request', 'Upload-Length is required');
    }
    if (upload.size > this.#ctx.limits.maxFileBytes) throw fileTooLarge(this.#ctx.limits);
    const metadata = uploadMetadataSchema.safeParse(upload.metadata ?? {});
    if (!metadata.success) {
      throw new AppError(
        400,
        'invalid_request',
        `${UPLOAD_METADATA_CONVERSATION_ID} in Upload-Metadata must be a conversation id`,
      );
    }
    const conversationId = metadata.data[UPLOAD_METADATA_CONVERSATION_ID] ?? null;
    await createUploadRecord(this.#ctx, principal, {
      id: upload.id,
      sizeBytes: upload.size,
      conversationId,
    });
    const raw = req.runtime?.node?.req;
    if (raw !== undefined) this.#created.set(raw, upload.id);
    // Stored with the upload: keep nothing but what we read (ADR 0013: metadata is readable).
    return {
      metadata:
        conversationId === null ? {} : { [UPLOAD_METADATA_CONVERSATION_ID]: conversationId },
    };
  }

  async #answerError(
    req: TusRequest,
    error: Error | { status_code: number; body: string },
  ): Promise<{ status_code: number; body: string }> {
    const request = this.#findRequest(req);
    const [status, code, message] = this.#describe(error);
    const log = request?.log;
    if (status >= 500) log?.error({ err: error }, 'upload failed');
    else log?.info({ code, status }, 'request refused');
    if (req.method === 'POST' && request !== null) {
      await this.#forgetFailedCreation(req, request).catch((cleanupError: unknown) => {
        request.log.error({ err: cleanupError }, 'could not forget a failed upload creation');
      });
    }
    return {
      status_code: status,
      body: JSON.stringify(errorBody(code, message, request?.requestId ?? 'unknown')),
    };
  }

  #describe(error: unknown): ErrorAnswer {
    if (error instanceof AppError) return [error.status, error.code, error.message];
    if (error instanceof BlobStoreError) return blobStoreErrorResponse(error.code);
    if (error === ERRORS.ERR_MAX_SIZE_EXCEEDED) {
      const { status, code, message } = fileTooLarge(this.#ctx.limits);
      return [status, code, message];
    }
    return TUS_ERROR_ANSWERS.get(error) ?? [500, 'internal_error', 'internal error'];
  }

  /**
   * A creation that failed after its row was written (the store could not create the upload)
   * must not hold quota: the row goes unless the upload exists (a creation-with-upload whose
   * body broke off is resumable).
   */
  async #forgetFailedCreation(req: TusRequest, request: UploadRequest): Promise<void> {
    const raw = req.runtime?.node?.req;
    const id = raw === undefined ? undefined : this.#created.get(raw);
    if (id === undefined) return;
    try {
      await this.#ctx.uploads.getUpload(id);
    } catch (error) {
      if (!isTusError(error, 'FILE_NOT_FOUND')) throw error;
      await removeUploadRecord(this.#ctx, request.principal, id);
    }
  }
}
