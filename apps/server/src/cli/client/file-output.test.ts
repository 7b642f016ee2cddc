import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { saveStream } from './file-output.js';

/** A stream of the pieces, erroring with `error` after them when given. */
function streamOf(pieces: readonly Uint8Array[], error: Error | null = null) {
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const piece = pieces[next++];
      if (piece !== undefined) controller.enqueue(piece);
      else if (error !== null) controller.error(error);
      else controller.close();
    },
  });
}

describe('saveStream', () => {
  const roots: string[] = [];
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'amtsbote-file-output-'));
    roots.push(dir);
  });
  afterAll(async () => {
    for (const root of roots) await rm(root, { recursive: true, force: true });
  });

  it('saves the stream under the name, mode 0600, and leaves no temporary file', async () => {
    const pieces = [randomBytes(1000), randomBytes(70_000), randomBytes(1)];
    const target = path.join(dir, 'Gutachten.pdf');
    const progress: number[] = [];
    const saved = await saveStream(streamOf(pieces), target, {
      isForce: false,
      expectedBytes: 71_001,
      onProgress: (bytes) => progress.push(bytes),
    });
    expect(saved).toEqual({ path: target, sizeBytes: 71_001 });
    expect((await readFile(target)).equals(Buffer.concat(pieces))).toBe(true);
    expect((await stat(target)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['Gutachten.pdf']);
    expect(progress).toEqual([1000, 71_000, 71_001]);
  });

  it('refuses an existing file without force, before reading, and replaces it with force', async () => {
    const target = path.join(dir, 'vorhanden.txt');
    await writeFile(target, 'alt');
    let pulled = 0;
    const counting = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled += 1;
          controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    await expect(saveStream(counting, target, { isForce: false })).rejects.toMatchObject({
      code: 'output_exists',
      exitCode: 2,
    });
    expect(pulled).toBe(0);
    expect(await readFile(target, 'utf8')).toBe('alt');
    await saveStream(streamOf([Buffer.from('neu')]), target, { isForce: true });
    expect(await readFile(target, 'utf8')).toBe('neu');
    expect(await readdir(dir)).toEqual(['vorhanden.txt']);
  });

  it('keeps nothing when the stream errors midway, and passes the error on', async () => {
    const target = path.join(dir, 'manipuliert.pdf');
    const tampered = new Error('chunk 3 does not authenticate');
    await expect(
      saveStream(streamOf([randomBytes(5000), randomBytes(5000)], tampered), target, {
        isForce: false,
      }),
    ).rejects.toBe(tampered);
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps nothing when the stream ends short of the expected size', async () => {
    const target = path.join(dir, 'kurz.bin');
    await expect(
      saveStream(streamOf([randomBytes(10)]), target, { isForce: false, expectedBytes: 11 }),
    ).rejects.toMatchObject({ code: 'file_incomplete', exitCode: 1 });
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps nothing when stopped by its signal', async () => {
    const stop = new AbortController();
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(randomBytes(1000));
      },
    });
    const target = path.join(dir, 'endlos.bin');
    await expect(
      saveStream(endless, target, {
        isForce: false,
        signal: stop.signal,
        onProgress: (bytes) => {
          if (bytes >= 5000) stop.abort();
        },
      }),
    ).rejects.toMatchObject({ code: 'interrupted', exitCode: 1 });
    expect(await readdir(dir)).toEqual([]);
  });

  it('does not replace a file that appeared during the download without force', async () => {
    const target = path.join(dir, 'zuvorgekommen.txt');
    let next = 0;
    const racing = new ReadableStream<Uint8Array>({
      async pull(controller) {
        next += 1;
        if (next === 1) {
          await writeFile(target, 'von anderswo');
          controller.enqueue(Buffer.from('heruntergeladen'));
        } else controller.close();
      },
    });
    await expect(saveStream(racing, target, { isForce: false })).rejects.toMatchObject({
      code: 'output_exists',
    });
    expect(await readFile(target, 'utf8')).toBe('von anderswo');
    expect(await readdir(dir)).toEqual(['zuvorgekommen.txt']);
  });

  it('refuses a directory as target and a directory that does not exist', async () => {
    await mkdir(path.join(dir, 'ordner'));
    await expect(
      saveStream(streamOf([]), path.join(dir, 'ordner'), { isForce: true }),
    ).rejects.toMatchObject({ code: 'output_is_directory' });
    await expect(
      saveStream(streamOf([]), path.join(dir, 'fehlt', 'datei.txt'), { isForce: false }),
    ).rejects.toMatchObject({ code: 'output_unwritable' });
    expect(await readdir(dir)).toEqual(['ordner']);
  });
});
