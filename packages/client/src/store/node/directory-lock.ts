import { open, readFile, unlink } from 'node:fs/promises';
import { LocalStoreError } from '../local-store-error.js';

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

/** Identifies this process across pid reuse: a restarted container may get the same pid. */
const OWNER = `${process.pid}:${Math.round(performance.timeOrigin)}`;

/**
 * Two writers on one store directory would break its transactions. The lock file names its
 * owner (pid and process start time); it is refused while the owner lives, this process
 * included, and taken over when the owner has died.
 */
export async function acquireDirectoryLock(lockPath: string): Promise<DirectoryLock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      await handle.writeFile(OWNER);
      await handle.close();
      return {
        release: async () => {
          await unlink(lockPath).catch(() => undefined);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const content = await readFile(lockPath, 'utf8').catch(() => '');
      const owner = Number.parseInt(content, 10);
      if (content === OWNER) {
        throw new LocalStoreError('locked', 'the store directory is already open in this process');
      }
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new LocalStoreError('locked', `the store directory is in use by process ${owner}`);
      }
      await unlink(lockPath).catch(() => undefined);
    }
  }
  throw new LocalStoreError('locked', 'the store directory lock could not be taken');
}
