import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { ClientCliError } from './client-error.js';

/*
 * A file on disk as a web ReadableStream, read a piece at a time as the consumer pulls (the
 * upload encrypts and sends one chunk while the next is read), so memory stays constant
 * whatever the file's size. The file is opened once: the size and the bytes come from the same
 * open file, and the client refuses a file that grew or shrank meanwhile (its byte count).
 */

/** The pieces read from disk; the encryptor re-chunks them to its own size. */
export const READ_PIECE_BYTES = 256 * 1024;

export interface InputFile {
  /** The file's base name, as the recipient will see it. */
  readonly name: string;
  readonly sizeBytes: number;
  /** Closes the file when it ends, errors or is cancelled. */
  readonly body: ReadableStream<Uint8Array>;
  /** Closes the file if the body was never read to its end (idempotent). */
  close(): Promise<void>;
}

function describeOpenError(path: string, error: unknown): ClientCliError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? 'does not exist'
      : code === 'EACCES' || code === 'EPERM'
        ? 'is not readable'
        : `cannot be opened (${code ?? 'error'})`;
  return new ClientCliError('unreadable_file', `${path} ${reason}`, 2, { cause: error });
}

/** A web stream over an open file handle, closing the handle when done. */
export function fileHandleStream(
  handle: FileHandle,
  close: () => Promise<void>,
  pieceBytes = READ_PIECE_BYTES,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          // A fresh buffer per piece: the consumer may keep the piece it was given.
          const piece = new Uint8Array(pieceBytes);
          const { bytesRead } = await handle.read(piece, 0, pieceBytes, null);
          if (bytesRead === 0) {
            await close();
            controller.close();
            return;
          }
          controller.enqueue(piece.subarray(0, bytesRead));
        } catch (error) {
          await close();
          throw error;
        }
      },
      async cancel() {
        await close();
      },
    },
    // Nothing is read ahead of the consumer.
    { highWaterMark: 0 },
  );
}

/** Opens a regular file for sending; refuses (unreadable_file, not_a_file) anything else. */
export async function openInputFile(path: string): Promise<InputFile> {
  let handle: FileHandle;
  try {
    // Checked before opening too: opening a named pipe would wait for a writer.
    if (!(await stat(path)).isFile()) {
      throw new ClientCliError('not_a_file', `${path} is not a regular file`);
    }
    handle = await open(path, 'r');
  } catch (error) {
    if (error instanceof ClientCliError) throw error;
    throw describeOpenError(path, error);
  }
  let isClosed = false;
  const close = async (): Promise<void> => {
    if (isClosed) return;
    isClosed = true;
    await handle.close();
  };
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new ClientCliError('not_a_file', `${path} is not a regular file`);
    }
    return {
      name: basename(path),
      sizeBytes: info.size,
      body: fileHandleStream(handle, close),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
