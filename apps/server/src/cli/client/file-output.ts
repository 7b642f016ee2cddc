import { randomBytes } from 'node:crypto';
import { link, lstat, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { CLIENT_EXIT_CODES, ClientCliError } from './client-error.js';

/*
 * Saving a decrypted file: the plaintext streams into a new temporary file beside the target
 * (same directory, so the final rename cannot cross file systems; mode 0600; created
 * exclusively, so nothing else's file is written through), which becomes the target only when
 * the stream ended without error. The decryptor errors on any change, cut or extension, so on
 * every error, and on interruption, the temporary file is removed: no partial or unverified
 * plaintext stays on disk.
 */

const FILE_MODE = 0o600;

export interface SaveOptions {
  /** Replace an existing file at the target. */
  readonly isForce: boolean;
  /** The plaintext size the file must have; a stream ending with another count is refused. */
  readonly expectedBytes?: number;
  /** Stops the save (SIGINT); nothing is kept. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (writtenBytes: number) => void;
}

export interface SavedFile {
  /** The absolute path of the saved file. */
  readonly path: string;
  readonly sizeBytes: number;
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

function outputExists(path: string): ClientCliError {
  return new ClientCliError(
    'output_exists',
    `${path} exists; pass --force to replace it, or choose another --out`,
  );
}

/**
 * Refuses, before anything is downloaded, a target that is a directory, that exists (without
 * isForce), or whose directory does not exist.
 */
export async function checkOutputPath(path: string, isForce: boolean): Promise<void> {
  const existing = await lstat(path).catch((error: unknown) => {
    if (errnoOf(error) === 'ENOENT') return null;
    throw new ClientCliError('output_unwritable', `${path} cannot be checked (${errnoOf(error)})`);
  });
  if (existing?.isDirectory() === true) {
    throw new ClientCliError('output_is_directory', `${path} is a directory; name a file to save`);
  }
  if (existing !== null && !isForce) throw outputExists(path);
  const directory = dirname(resolve(path));
  const isDirectory = await stat(directory).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!isDirectory) {
    throw new ClientCliError('output_unwritable', `the directory ${directory} does not exist`);
  }
}

/** Writes all of piece, however the file system splits the write. */
async function writeAll(handle: FileHandle, piece: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < piece.length) {
    const { bytesWritten } = await handle.write(piece, offset, piece.length - offset);
    offset += bytesWritten;
  }
}

/** Gives the complete temporary file the target's name; refuses to replace one without force. */
async function publish(temporary: string, target: string, isForce: boolean): Promise<void> {
  if (isForce) {
    await rename(temporary, target);
    return;
  }
  try {
    // A hard link fails if the target appeared meanwhile, where a rename would replace it.
    await link(temporary, target);
  } catch (error) {
    if (errnoOf(error) === 'EEXIST') throw outputExists(target);
    // File systems without hard links: the check before the download is the guard.
    if ((await lstat(target).catch(() => null)) !== null) throw outputExists(target);
    await rename(temporary, target);
    return;
  }
  await rm(temporary, { force: true });
}

/** A name no other file in the directory has; not derived from the target (no length limit). */
function temporaryPath(target: string): string {
  return join(dirname(target), `.amtsbote-${randomBytes(9).toString('base64url')}.part`);
}

export async function saveStream(
  body: ReadableStream<Uint8Array>,
  path: string,
  options: SaveOptions,
): Promise<SavedFile> {
  const target = resolve(path);
  const reader = body.getReader();
  const interrupted = (): ClientCliError =>
    new ClientCliError('interrupted', 'stopped; nothing was saved', CLIENT_EXIT_CODES.failed);
  const onAbort = (): void => {
    reader.cancel(interrupted()).catch(() => undefined);
  };
  let temporary: string | null = null;
  let handle: FileHandle | null = null;
  try {
    await checkOutputPath(target, options.isForce);
    temporary = temporaryPath(target);
    handle = await open(temporary, 'wx', FILE_MODE).catch((error: unknown) => {
      throw new ClientCliError(
        'output_unwritable',
        `cannot write in ${dirname(target)} (${errnoOf(error) ?? 'error'})`,
        CLIENT_EXIT_CODES.refused,
        { cause: error },
      );
    });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let writtenBytes = 0;
    const isStopped = (): boolean => options.signal?.aborted === true;
    for (;;) {
      if (isStopped()) throw interrupted();
      const { done, value } = await reader.read();
      // A cancelled read ends as if the stream had: only the signal tells them apart.
      if (isStopped()) throw interrupted();
      if (done) break;
      await writeAll(handle, value);
      writtenBytes += value.length;
      options.onProgress?.(writtenBytes);
    }
    if (options.expectedBytes !== undefined && writtenBytes !== options.expectedBytes) {
      throw new ClientCliError(
        'file_incomplete',
        `the file ended after ${writtenBytes} of ${options.expectedBytes} bytes; nothing was saved`,
        CLIENT_EXIT_CODES.failed,
      );
    }
    await handle.sync();
    await handle.close();
    handle = null;
    await publish(temporary, target, options.isForce);
    temporary = null;
    return { path: target, sizeBytes: writtenBytes };
  } catch (error) {
    await reader.cancel(error).catch(() => undefined);
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await handle?.close().catch(() => undefined);
    if (temporary !== null) await rm(temporary, { force: true });
  }
}
