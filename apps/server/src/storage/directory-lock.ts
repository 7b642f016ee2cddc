import { open, readFile, unlink } from 'node:fs/promises';
import { StorageError } from './storage-error.js';

export interface DirectoryLock {
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite is a single-process database: two processes on one data directory would corrupt it.
 * The lock file holds the owner's pid; a lock whose owner has died is taken over.
 */
export async function acquireDirectoryLock(lockPath: string): Promise<DirectoryLock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return {
        release: async () => {
          await unlink(lockPath).catch(() => undefined);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new StorageError(
          'locked',
          `the data directory is in use by process ${owner} (embedded storage allows one process)`,
        );
      }
      await unlink(lockPath).catch(() => undefined);
    }
  }
  throw new StorageError('locked', 'the data directory lock could not be taken');
}
