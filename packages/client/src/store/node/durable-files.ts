import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rmdir, unlink } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';

export const DIRECTORY_MODE = 0o700;
export const FILE_MODE = 0o600;

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export function isNotFound(error: unknown): boolean {
  return errorCode(error) === 'ENOENT';
}

/** Makes a rename or unlink in the directory durable. Platforms that cannot sync a directory skip it. */
export async function syncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch (error) {
    const code = errorCode(error);
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw error;
  } finally {
    await handle?.close();
  }
}

/** Writes the bytes to a fresh file in tmpDirectory and syncs it; returns its path. */
export async function writeTempFile(tmpDirectory: string, bytes: Uint8Array): Promise<string> {
  const tmpPath = join(tmpDirectory, randomUUID());
  const handle = await open(tmpPath, 'wx', FILE_MODE);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(tmpPath).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return tmpPath;
}

/**
 * Writes the bytes to a temporary file, syncs it, and renames it over target: a reader (or a
 * crash) sees the old content or the new, never a part. The target's directory is not synced
 * here; the caller syncs it once for all files it wrote there.
 */
export async function replaceFile(
  tmpDirectory: string,
  target: string,
  bytes: Uint8Array,
): Promise<void> {
  const tmpPath = await writeTempFile(tmpDirectory, bytes);
  await mkdir(dirname(target), { recursive: true, mode: DIRECTORY_MODE });
  await rename(tmpPath, target);
}

/** Removes a file; a file that is not there is not an error. */
export async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/**
 * Removes the directories between path's directory and root (exclusive) while they are empty.
 * Returns the deepest directory left, whose entry list changed and needs a sync.
 */
export async function removeEmptyDirectories(path: string, root: string): Promise<string> {
  let directory = dirname(path);
  for (; directory.startsWith(root + sep); directory = dirname(directory)) {
    try {
      await rmdir(directory);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return directory;
      if (code !== 'ENOENT') throw error;
    }
  }
  return directory;
}
