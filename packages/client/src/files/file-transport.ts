import type { DetailedError, Upload } from 'tus-js-client';
import { ApiError, errorOfResponse, safeJson, type HttpApi } from '../http-api.js';
import { MessagingError } from '../messaging/messaging-error.js';
import { findNodeUploadStack } from './node-upload-stack.js';
import { StreamingUploadSource } from './streaming-upload-source.js';

/*
 * The ciphertext of a file on its way to and from the server: resumable uploads with the tus
 * protocol (tus-js-client; the server side is apps/server/src/http/routes/file-routes.ts) and
 * downloads with HTTP range requests. Everything here is already encrypted (attachments.ts).
 * In Node, tus-js-client gets a streaming source and HTTP stack (streaming-upload-source.ts,
 * node-upload-stack.ts): each PATCH body is sent while it is encrypted, which more than doubled
 * upload throughput (docs/performance.md). Browsers keep tus-js-client's own source and stack.
 */

export const UPLOADS_PATH = '/api/files/uploads';

/**
 * Bytes per PATCH request in browsers. A lost connection re-sends at most the chunk in flight,
 * and the client holds one chunk in memory. tus-js-client gathers a browser chunk by joining
 * the stream's pieces, copying it over and over, so a larger one costs more than it saves.
 */
export const UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Bytes per PATCH request in Node, where a chunk is streamed as it is encrypted. Between two
 * PATCHes the server drains what the sockets hold and answers while nothing is sent: with 8 MiB
 * that gap was as long as sending the chunk, and uploads reached 0.47 of a plain PUT against
 * 0.65 with 32 MiB (docs/performance.md). Memory: the chunk and the read-ahead, in one buffer.
 */
export const NODE_UPLOAD_CHUNK_BYTES = 32 * 1024 * 1024;

/**
 * Node: ciphertext read beyond the chunk being sent, so that encryption goes on while the
 * server answers one PATCH and the next one starts.
 */
const UPLOAD_READ_AHEAD_BYTES = 4 * 1024 * 1024;

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
  /** Ends the upload (terminated on the server too); the promise rejects with `cancelled`. */
  readonly signal?: AbortSignal;
}

interface NodeStreamModule {
  readonly Readable: { fromWeb(stream: ReadableStream<Uint8Array>): unknown };
}

interface ProcessWithBuiltins {
  readonly getBuiltinModule?: (id: 'node:stream') => NodeStreamModule | undefined;
}

type TusFile = ConstructorParameters<typeof Upload>[0];
type TusOptions = ConstructorParameters<typeof Upload>[1];

/** What tus-js-client reads the ciphertext from, and how it sends it. */
interface TusSource {
  readonly file: TusFile;
  readonly chunkBytes: number;
  readonly options: Pick<TusOptions, 'fileReader' | 'httpStack'>;
  /** Stops reading the body once the upload has failed or was aborted. */
  close(): void;
}

/**
 * In Node, the streaming source and stack; elsewhere tus-js-client's own, which read stream
 * readers in browsers (and Node streams in its Node build, which the test runner may load).
 */
function tusSource(
  body: ReadableStream<Uint8Array>,
  sizeBytes: number,
  givenChunkBytes: number | undefined,
  onFailure: (error: unknown) => void,
): TusSource {
  const httpStack = findNodeUploadStack();
  if (httpStack !== null) {
    const chunkBytes = givenChunkBytes ?? NODE_UPLOAD_CHUNK_BYTES;
    const reader = body.getReader();
    const limitBytes = chunkBytes + UPLOAD_READ_AHEAD_BYTES;
    const source = new StreamingUploadSource(reader, sizeBytes, limitBytes, onFailure);
    return {
      file: reader,
      chunkBytes,
      options: { httpStack, fileReader: { openFile: () => Promise.resolve(source) } },
      close: () => source.close(),
    };
  }
  const reporting = reportingFailure(body, onFailure);
  const process = (globalThis as { process?: ProcessWithBuiltins }).process;
  const nodeStream = process?.getBuiltinModule?.('node:stream');
  const file =
    nodeStream === undefined
      ? reporting.getReader()
      : (nodeStream.Readable.fromWeb(reporting) as TusFile);
  return {
    file,
    chunkBytes: givenChunkBytes ?? UPLOAD_CHUNK_BYTES,
    options: {},
    close: () => undefined,
  };
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

/**
 * Only failures a retry can cure: no answer, a timeout, the server busy or restarting, or an
 * offset conflict. The last one follows a lost connection: the server may take up the cut
 * request's bytes (still in its socket) only after the retry's HEAD read the offset, so the
 * PATCH after it finds the upload further on; the next attempt asks again (tus-js-client's own
 * default retries it too). Seen once in a 2 GiB upload through 20 forced disconnects.
 */
function isRetryable(error: DetailedError): boolean {
  const status = error.originalResponse?.getStatus() ?? 0;
  return (
    status === 0 ||
    status === 408 ||
    status === 409 ||
    status === 423 ||
    status === 429 ||
    status >= 500
  );
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
 * tus-js-client is loaded with the first upload: a web app that shows a chat needs none of it.
 */
export async function uploadCiphertext(http: HttpApi, input: UploadInput): Promise<string> {
  const { Upload: TusUpload } = await import('tus-js-client');
  return uploadWith(TusUpload, http, input);
}

function uploadWith(TusUpload: typeof Upload, http: HttpApi, input: UploadInput): Promise<string> {
  const token = http.token;
  if (token === null) {
    return Promise.reject(new ApiError(401, 'unauthenticated', 'no session', null));
  }
  const signal = input.signal;
  if (signal?.aborted === true) return Promise.reject(uploadCancelled());
  return new Promise((resolvePromise, rejectPromise) => {
    const onAbort = (): void => {
      source.close();
      // Terminated, so the server frees its space at once.
      upload.abort(true).catch(() => undefined);
      reject(uploadCancelled());
    };
    const resolve = (fileId: string): void => {
      signal?.removeEventListener('abort', onAbort);
      resolvePromise(fileId);
    };
    const reject = (error: Error): void => {
      signal?.removeEventListener('abort', onAbort);
      rejectPromise(error);
    };
    const source = tusSource(input.body, input.sizeBytes, input.chunkBytes, (error) => {
      reject(error instanceof Error ? error : new Error(String(error)));
      // Terminates the unfinished upload, so the server frees its space at once.
      upload.abort(true).catch(() => undefined);
    });
    const upload = new TusUpload(source.file, {
      ...source.options,
      endpoint: `${http.baseUrl}${UPLOADS_PATH}`,
      headers: { authorization: `Bearer ${token}` },
      metadata: input.conversationId === undefined ? {} : { conversationId: input.conversationId },
      uploadSize: input.sizeBytes,
      chunkSize: source.chunkBytes,
      retryDelays: [...(input.retryDelaysMs ?? RETRY_DELAYS_MS)],
      // The stream cannot be read again, so an upload resumes only within this call.
      storeFingerprintForResuming: false,
      onShouldRetry: (error) => isRetryable(error),
      onProgress: (sent, total) => input.onProgress?.(sent, total),
      onError: (error) => {
        source.close();
        reject(uploadError(error));
      },
      onSuccess: () => {
        const fileId = upload.url?.split('/').at(-1);
        if (fileId === undefined || fileId === '') {
          reject(new ApiError(0, 'unexpected_response', 'the upload has no location', null));
        } else {
          resolve(decodeURIComponent(fileId));
        }
      },
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    upload.start();
  });
}

function uploadCancelled(): MessagingError {
  return new MessagingError('cancelled', 'the upload was cancelled');
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
