import { FileCryptoError } from '@amtsbote/client/transfer-link';
import { createFileSaver } from '../../transfer/save-file.js';

/*
 * Saves a decrypted attachment on the device, as the transfer page does: into the file the
 * user picks where the browser can ask (committed only after the last byte authenticated),
 * otherwise through the browser's downloads once the whole file authenticated. Callers check
 * the organization's policy first (canSaveFiles).
 */

export type SaveResult = 'saved' | 'cancelled';

/** How long a saved file's object URL lives: enough for the browser to take the download. */
const DOWNLOAD_URL_LIFETIME_MS = 60_000;

/**
 * Call it straight from the press, before anything else is awaited: the browser's save dialog
 * needs the user's gesture. `open` yields the plaintext once the destination is known.
 */
export async function saveAttachment(
  fileName: string,
  open: () => Promise<ReadableStream<Uint8Array>>,
): Promise<SaveResult> {
  const sink = await createFileSaver(window, document).prepare(fileName);
  if (sink === null) return 'cancelled';
  try {
    const outcome = await sink.write(await open());
    if (outcome.kind === 'blob') {
      const { url } = outcome;
      window.setTimeout(() => {
        URL.revokeObjectURL(url);
      }, DOWNLOAD_URL_LIFETIME_MS);
    }
    return 'saved';
  } catch (error) {
    await sink.discard();
    throw error;
  }
}

/** A file that did not authenticate: changed or cut on the server or on the way. */
export function isDamagedFile(error: unknown): boolean {
  return error instanceof FileCryptoError;
}

/**
 * The whole plaintext as a Blob (for showing an image); errors as the stream does. The signal
 * stops reading (the download ends) when the reader went away.
 */
export async function readAll(
  body: ReadableStream<Uint8Array>,
  mediaType: string,
  signal: AbortSignal,
): Promise<Blob> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  const reader = body.getReader();
  const stop = (): void => {
    reader.cancel(signal.reason).catch(() => undefined);
  };
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return new Blob(parts, { type: mediaType });
      // The decryptor's chunks are views of plain ArrayBuffers, which Blob takes.
      parts.push(value as Uint8Array<ArrayBuffer>);
    }
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
