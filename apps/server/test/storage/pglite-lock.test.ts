import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/open-storage.js';
import { StorageError } from '../../src/storage/storage-error.js';

/** Starts a process and resolves once it runs, so that its pid is known. */
async function startProcess(command: string, args: readonly string[]): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: 'ignore' });
  await once(child, 'spawn');
  return child;
}

function pidOf(child: ChildProcess): number {
  if (child.pid === undefined) throw new Error('the child process has no pid');
  return child.pid;
}

const exists = (file: string): Promise<boolean> =>
  access(file).then(
    () => true,
    () => false,
  );

describe('PGlite data directory lock', () => {
  const children: ChildProcess[] = [];
  let dataDir: string;
  let lockPath: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'amtsbote-lock-'));
    lockPath = path.join(dataDir, 'pglite.lock');
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  afterAll(() => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses to open a directory whose lock belongs to another live process', async () => {
    const holder = await startProcess('sleep', ['30']);
    children.push(holder);
    await writeFile(lockPath, String(pidOf(holder)));

    const opening = openStorage({ kind: 'pglite', dataDir });

    await expect(opening).rejects.toBeInstanceOf(StorageError);
    await expect(opening).rejects.toMatchObject({
      code: 'locked',
      message: expect.stringContaining(String(pidOf(holder))) as string,
    });
    expect(await readFile(lockPath, 'utf8')).toBe(String(pidOf(holder)));
  });

  // Opening PGlite takes seconds, and more when the machine is busy with other suites.
  it('takes over a lock left by a process that has exited, and releases it on close', async () => {
    const departed = await startProcess('true', []);
    await once(departed, 'exit');
    await writeFile(lockPath, String(pidOf(departed)));

    const storage = await openStorage({ kind: 'pglite', dataDir });
    try {
      expect(await readFile(lockPath, 'utf8')).toMatch(new RegExp(`^${process.pid}:\\d+$`));
      expect(await storage.ping(5_000)).toBe(true);
      // The same process may not open the directory a second time either.
      await expect(openStorage({ kind: 'pglite', dataDir })).rejects.toMatchObject({
        code: 'locked',
      });
    } finally {
      await storage.close();
    }
    expect(await exists(lockPath)).toBe(false);
  }, 60_000);

  it('takes over a lock with this pid from an earlier process (a restarted container)', async () => {
    await writeFile(lockPath, `${process.pid}:12345`);
    const storage = await openStorage({ kind: 'pglite', dataDir });
    await storage.close();
    expect(await exists(lockPath)).toBe(false);
  }, 60_000);
});
