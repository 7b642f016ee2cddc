import { ApiError } from '../http-api.js';

/*
 * A download that survives lost connections: the bytes of one file as one stream, fetched
 * again from the first missing byte (an HTTP Range request) when the connection drops. What
 * the caller read is never repeated, so a decryptor downstream sees every byte exactly once.
 */

/** Fetches the file from `offset` to its end (offset 0: the whole file). */
export type RangeFetcher = (offset: number) => Promise<ReadableStream<Uint8Array>>;

export interface ResumingDownloadOptions {
  /** The file's size; the stream errors if the server sends more or fewer bytes. */
  readonly totalBytes: number;
  /** Waits before each retry; one retry per entry, counted since the last progress. */
  readonly retryDelaysMs?: readonly number[];
}

const DEFAULT_RETRY_DELAYS_MS = [0, 500, 1_000, 2_000, 5_000, 10_000];

/** Only transport failures and a busy or restarting server are worth another try. */
function isRetryable(error: unknown): boolean {
  if (error instanceof ApiError) {
    return (
      error.status === 0 || error.status === 408 || error.status === 429 || error.status >= 500
    );
  }
  // A body that broke off mid-way: undici's TypeError ("terminated") or a reset socket.
  return error instanceof TypeError || (error instanceof Error && 'code' in error);
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

export function resumingDownload(
  fetchFrom: RangeFetcher,
  options: ResumingDownloadOptions,
): ReadableStream<Uint8Array> {
  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  let received = 0;
  let failures = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;

  const mismatch = (): ApiError =>
    new ApiError(0, 'unexpected_response', 'the server sent another length than announced', null);

  const readOnce = async (): Promise<Uint8Array | null> => {
    reader ??= (await fetchFrom(received)).getReader();
    const { done, value } = await reader.read();
    if (done) return null;
    return value;
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        let piece: Uint8Array | null;
        try {
          piece = await readOnce();
        } catch (error) {
          reader?.cancel().catch(() => undefined);
          reader = null;
          const delay = delays[failures];
          if (!isRetryable(error) || delay === undefined) throw error;
          failures += 1;
          await sleep(delay);
          continue;
        }
        if (piece === null) {
          if (received !== options.totalBytes) throw mismatch();
          controller.close();
          return;
        }
        if (piece.length === 0) continue;
        received += piece.length;
        if (received > options.totalBytes) throw mismatch();
        failures = 0;
        controller.enqueue(piece);
        return;
      }
    },
    async cancel(reason) {
      await reader?.cancel(reason);
    },
  });
}
