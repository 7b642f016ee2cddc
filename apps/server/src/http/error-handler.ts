import type { ErrorBody, ErrorCode, FieldError } from '@amtsbote/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, assertNever } from '../errors.js';
import { BlobStoreError, type BlobStoreErrorCode } from '../files/blob-store-error.js';

/** Our JSON error body, for the places that write responses themselves (tus uploads). */
export function errorBody(
  code: ErrorCode,
  message: string,
  requestId: string,
  extra: {
    fields?: readonly FieldError[] | undefined;
    retryAfterSeconds?: number | undefined;
    currentEpoch?: number | undefined;
  } = {},
): ErrorBody {
  return {
    error: {
      code,
      message,
      requestId,
      ...(extra.fields === undefined ? {} : { fields: [...extra.fields] }),
      ...(extra.retryAfterSeconds === undefined
        ? {}
        : { retryAfterSeconds: extra.retryAfterSeconds }),
      ...(extra.currentEpoch === undefined ? {} : { currentEpoch: extra.currentEpoch }),
    },
  };
}

const body = errorBody;

/**
 * Blob store failures as answers. Its own messages stay in the logs' cause chain: the answer
 * is a fixed text that names no path, endpoint or key.
 */
export function blobStoreErrorResponse(
  code: BlobStoreErrorCode,
): readonly [number, ErrorCode, string] {
  switch (code) {
    case 'not_found':
    case 'invalid_id':
      return [404, 'file_not_found', 'file not found'];
    case 'invalid_range':
      return [416, 'range_not_satisfiable', 'the range is not satisfiable'];
    case 'too_large':
      return [413, 'file_too_large', 'the file is too large'];
    case 'source_failed':
      return [400, 'invalid_request', 'the upload was interrupted'];
    case 'unavailable':
      return [503, 'unavailable', 'the file storage is unavailable'];
    default:
      return assertNever(code);
  }
}

const FASTIFY_CODES: Readonly<Record<string, readonly [number, ErrorCode, string]>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'malformed_json', 'the body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'malformed_json', 'the body is empty'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body_too_large', 'the body is too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'send application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_request', 'content length mismatch'],
};

/**
 * The one place where errors become responses. Known errors give their status and code;
 * anything else is logged with the request id and answered with a generic 500.
 */
export function handleError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const requestId = request.id;
  if (error instanceof AppError) {
    if (error.retryAfterSeconds !== undefined) reply.header('retry-after', error.retryAfterSeconds);
    request.log.info({ code: error.code, status: error.status }, 'request refused');
    void reply.code(error.status).send(
      body(error.code, error.message, requestId, {
        fields: error.fields,
        retryAfterSeconds: error.retryAfterSeconds,
        currentEpoch: error.currentEpoch,
      }),
    );
    return;
  }
  if (error instanceof BlobStoreError) {
    const [status, code, message] = blobStoreErrorResponse(error.code);
    if (status >= 500) request.log.error({ err: error }, 'blob store failed');
    else request.log.info({ code, status }, 'request refused');
    void reply.code(status).send(body(code, message, requestId));
    return;
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const fields = error.validation.flatMap((v): FieldError[] => {
      const base = [
        error.validationContext ?? 'body',
        ...v.instancePath.split('/').filter((p) => p !== ''),
      ];
      const unknownKeys = v.params['keys'];
      if (v.keyword === 'unrecognized_keys' && Array.isArray(unknownKeys)) {
        return unknownKeys.map((key) => ({
          path: [...base, String(key)].join('.'),
          code: 'unknown_field',
          message: 'unknown field',
        }));
      }
      return [{ path: base.join('.'), code: v.keyword, message: v.message ?? 'invalid' }];
    });
    // Field names come from the client and could carry anything; log only the issue codes.
    request.log.info(
      { code: 'invalid_request', status: 400, issues: fields.map((f) => f.code) },
      'request refused',
    );
    void reply
      .code(400)
      .send(body('invalid_request', 'the request is invalid', requestId, { fields }));
    return;
  }
  const mapped = FASTIFY_CODES[error.code];
  if (mapped !== undefined) {
    const [status, code, message] = mapped;
    request.log.info({ code, status }, 'request refused');
    void reply.code(status).send(body(code, message, requestId));
    return;
  }
  if (error.statusCode === 429) {
    void reply.code(429).send(body('too_many_requests', 'too many requests', requestId));
    return;
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    request.log.info({ code: error.code, status: error.statusCode }, 'request refused');
    void reply
      .code(error.statusCode)
      .send(body('invalid_request', 'the request is invalid', requestId));
    return;
  }
  request.log.error({ err: error }, 'unhandled error');
  void reply.code(500).send(body('internal_error', 'internal error', requestId));
}
