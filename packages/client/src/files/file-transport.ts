import { Upload, type DetailedError } from 'tus-js-client';
import { ApiError, errorOfResponse, safeJson, type HttpApi } from '../http-api.js';

/*
 * The ciphertext of a file on its way to and from the server: resumable uploads with the tus
 * protocol (tus-js-client; the server side is apps/server/src/http/routes/file-routes.ts) and
 * downloads with HTTP range requests. Everything here is already encrypted (attachments.ts).
 */

export const UPLOADS_PATH = '/api/files/uploads';

/**
 * Bytes per PATCH request. A lost connection re-sends at most the chunk in flight, and the
 * client holds one chunk in memory.
 */
export const UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024;

/** Waits before each retry after a lost connection; the upload resumes at the server's offset. */
const RETRY_DELAYS_MS = [0, 500, 1_000, 2_000, 5_000, 10_000, 10_000, 10_000];

export interface UploadInput {
  /** The conversation whose members may read the file; absent for a standalone transfer's file. */
  readonly conversationId?: string;
  /** The ciphertext, read once from start to end. */
  readonly body: ReadableStream<Uint8Array>;
  /** Exactly the bytes `body` yields (encryptedSize of the plaintext). */
  readonly sizeBytes: number;
  readonly chunkBytes?: number;
  readonly retryDelaysMs?: readonly number[];
  readonly onProgress?: (sentBytes: number, totalBytes: number) => void;
}

interface NodeStreamModule {
  readonly Readable: { fromWeb(stream: ReadableStream<Uint8Array>): unknown };
}

interface ProcessWithBuiltins {
  readonly getBuiltinModule?: (id: 'node:stream') => NodeStreamModule | undefined;
}

/**
 * tus-js-client reads Node streams in Node and stream readers in browsers: the same ciphertext
 * stream is handed over in the form its build takes.
 */
function tusInput(body: ReadableStream<Uint8Array>): ConstructorParameters<typeof Upload>[0] {
  const process = (globalThis as { process?: ProcessWithBuiltins }).process;
  const nodeStream = process?.getBuiltinModule?.('node:stream');
  if (nodeStream !== undefined) {
    return nodeStream.Readable.fromWeb(body) as ConstructorParameters<typeof Upload>[0];
  }
  return body.getReader();
}

/** The server's typed error in a failed tus request, or a transport failure. */
function uploadError(error: Error | DetailedError): ApiError {
  const response = 'originalResponse' in error ? error.originalResponse : null;
  if (response === null) {
    return new ApiError(0, 'network_error', 'the upload could not reach the server', null, {
      cause: error,
    });
  }
  const status = response.getStatus();
  const typed = errorOfResponse(status, safeJson(response.getBody()));
  return new ApiError(typed.status, typed.code, typed.message, typed.requestId, { cause: error });
}

/** Only failures a retry can cure: no answer, a timeout, or the server busy or restarting. */
function isRetryable(error: DetailedError): boolean {
  const status = error.originalResponse?.getStatus() ?? 0;
  return status === 0 || status === 408 || status === 423 || status === 429 || status >= 500;
}

/**
 * The same stream, reporting its own failure (the plaintext was not the declared size, or could
 * not be read): tus-js-client would otherwise wait for bytes that never come.
 */
function reportingFailure(
  body: ReadableStream<Uint8Array>,
  onFailure: (error: unknown) => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        onFailure(error);
        controller.error(error);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/**
 * Uploads the ciphertext; resolves with the file id once the server has all of it. When the
 * body fails, the upload is ended on the server too and the promise rejects with that failure.
 */
export function uploadCiphertext(http: HttpApi, input: UploadInput): Promise<string> {
  const token = http.token;
  if (token === null) {
    return Promise.reject(new ApiError(401, 'unauthenticated', 'no session', null));
  }
  return new Promise((resolve, reject) => {
    const body = reportingFailure(input.body, (error) => {
      reject(error instanceof Error ? error : new Error(String(error)));
      // Terminates the unfinished upload, so the server frees its space at once.
      upload.abort(true).catch(() => undefined);
    });
    const upload = new Upload(tusInput(body), {
      endpoint: `${http.baseUrl}${UPLOADS_PATH}`,
      headers: { authorization: `Bearer ${token}` },
      metadata: input.conversationId === undefined ? {} : { conversationId: input.conversationId },
      uploadSize: input.sizeBytes,
      chunkSize: input.chunkBytes ?? UPLOAD_CHUNK_BYTES,
      retryDelays: [...(input.retryDelaysMs ?? RETRY_DELAYS_MS)],
      // The stream cannot be read again, so an upload resumes only within this call.
      storeFingerprintForResuming: false,
      onShouldRetry: (error) => isRetryable(error),
      onProgress: (sent, total) => input.onProgress?.(sent, total),
      onError: (error) => reject(uploadError(error)),
      onSuccess: () => {
        const fileId = upload.url?.split('/').at(-1);
        if (fileId === undefined || fileId === '') {
          reject(new ApiError(0, 'unexpected_response', 'the upload has no location', null));
        } else {
          resolve(decodeURIComponent(fileId));
        }
      },
    });
    upload.start();
  });
}

export interface ByteRangeRequest {
  readonly offset: number;
  /** null: to the end. */
  readonly lengthBytes: number | null;
}

/** The ciphertext of a file, or a range of it, as the server streams it. */
export async function downloadCiphertext(
  http: HttpApi,
  fileId: string,
  range: ByteRangeRequest | null = null,
): Promise<ReadableStream<Uint8Array>> {
  const headers: Record<string, string> = {};
  if (range !== null) {
    const last = range.lengthBytes === null ? '' : String(range.offset + range.lengthBytes - 1);
    headers['range'] = `bytes=${range.offset}-${last}`;
  }
  const response = await http.fetchRaw('GET', `/api/files/${encodeURIComponent(fileId)}`, headers);
  if (response.body === null) {
    throw new ApiError(response.status, 'unexpected_response', 'the download has no body', null);
  }
  return response.body;
}
