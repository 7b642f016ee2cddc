import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** Writes all of bytes at the handle's position (a single write may write fewer). */
export async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.byteLength) {
    const result = await handle.write(bytes, written, bytes.byteLength - written, null);
    written += result.bytesWritten;
  }
}

/** Flushes a file's bytes to the disk. */
export async function syncFile(filePath: string): Promise<void> {
  const handle = await open(filePath, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Moves a file that is already synced to its final name so that, after a crash, the name holds
 * either nothing or the whole file: rename is atomic within one filesystem, and syncing the
 * directory makes the new entry itself durable.
 */
export async function moveDurably(from: string, to: string): Promise<void> {
  const directory = path.dirname(to);
  const created = await mkdir(directory, { recursive: true, mode: 0o700 });
  if (created !== undefined) await syncDirectory(path.dirname(directory));
  await rename(from, to);
  await syncDirectory(directory);
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
