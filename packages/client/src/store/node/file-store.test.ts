import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalStoreError, type LocalStoreErrorCode } from '../local-store-error.js';
import { FileStore } from './file-store.js';
import { keyToSegments } from './file-names.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

async function refusal(promise: Promise<unknown>): Promise<LocalStoreErrorCode> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(LocalStoreError);
    return (error as LocalStoreError).code;
  }
  throw new Error('expected a LocalStoreError, but the call succeeded');
}

/** Every file and directory below root, as paths relative to it. */
async function walk(root: string): Promise<{ files: string[]; directories: string[] }> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files: string[] = [];
  const directories: string[] = [];
  for (const entry of entries) {
    const path = relative(root, join(entry.parentPath, entry.name));
    (entry.isDirectory() ? directories : files).push(path);
  }
  return { files: files.sort(), directories: directories.sort() };
}

describe('FileStore', () => {
  let parent: string;
  let directory: string;
  const opened: FileStore[] = [];

  async function open(): Promise<FileStore> {
    const store = await FileStore.open(directory);
    opened.push(store);
    return store;
  }

  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'amtsbote-file-store-'));
    directory = join(parent, 'profile');
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await rm(parent, { recursive: true, force: true });
  });

  it('creates the profile directory with mode 0700 and its files with mode 0600', async () => {
    const store = await open();
    await store.put('identity', 'device', bytes('private key'));
    await store.put('messages', 'k'.repeat(256), bytes('nested'));
    await store.transaction([{ type: 'put', collection: 'groups', key: 'g', value: bytes('s') }]);
    const { files, directories } = await walk(directory);
    expect(files.length).toBeGreaterThanOrEqual(5);
    expect(directories.length).toBeGreaterThanOrEqual(4);
    expect((await stat(directory)).mode & 0o777).toBe(0o700);
    for (const path of directories)
      expect((await stat(join(directory, path))).mode & 0o777).toBe(0o700);
    for (const path of files) expect((await stat(join(directory, path))).mode & 0o777).toBe(0o600);
  });

  it('narrows an existing profile directory to mode 0700', async () => {
    await mkdir(directory, { mode: 0o755 });
    await open();
    expect((await stat(directory)).mode & 0o777).toBe(0o700);
  });

  it('keeps records across close and reopen', async () => {
    const first = await open();
    await first.put('profile', 'server', bytes('https://amtsbote.example'));
    await first.transaction([
      { type: 'put', collection: 'cursors', key: 'c1', value: bytes('12') },
      { type: 'put', collection: 'cursors', key: 'c2', value: bytes('3') },
    ]);
    await first.close();
    const second = await open();
    expect(await second.get('profile', 'server')).toEqual(bytes('https://amtsbote.example'));
    expect(await second.list('cursors')).toEqual(['c1', 'c2']);
  });

  it('leaves no temporary file or journal behind after puts and transactions', async () => {
    const store = await open();
    await store.put('groups', 'g', bytes('1'));
    await store.put('groups', 'g', bytes('2'));
    await store.transaction([{ type: 'put', collection: 'groups', key: 'h', value: bytes('3') }]);
    await store.delete('groups', 'g');
    const { files } = await walk(directory);
    expect(files).toEqual(['data/groups/' + keyToSegments('h').join('/'), 'format.json', 'lock']);
  });

  it('refuses a second open of the same directory while the first is open', async () => {
    const store = await open();
    expect(await refusal(FileStore.open(directory))).toBe('locked');
    await store.close();
    await open();
  });

  it('takes over the lock of a process that has died', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    await mkdir(directory, { mode: 0o700 });
    await writeFile(join(directory, 'format.json'), '{"format":"amtsbote-file-store","version":1}');
    await writeFile(join(directory, 'lock'), `${dead}:1`);
    const store = await open();
    await store.put('profile', 'p', bytes('x'));
    expect(await store.get('profile', 'p')).toEqual(bytes('x'));
  });

  it('refuses to take over a directory that holds something else', async () => {
    await mkdir(directory);
    await writeFile(join(directory, 'notes.txt'), 'not a store');
    expect(await refusal(FileStore.open(directory))).toBe('unsupported_format');
    expect(await readdir(directory)).toEqual(['notes.txt']);
  });

  it('refuses a store of another format version', async () => {
    await open().then((store) => store.close());
    await writeFile(join(directory, 'format.json'), '{"format":"amtsbote-file-store","version":2}');
    expect(await refusal(FileStore.open(directory))).toBe('unsupported_format');
    await writeFile(join(directory, 'format.json'), 'garbage');
    expect(await refusal(FileStore.open(directory))).toBe('unsupported_format');
  });

  it('removes leftover temporary files when it opens', async () => {
    await open().then((store) => store.close());
    await writeFile(join(directory, 'tmp', 'half-written'), 'partial');
    await open();
    expect(await readdir(join(directory, 'tmp'))).toEqual([]);
  });

  it('refuses a record file on disk larger than the value limit', async () => {
    const store = await open();
    await store.put('messages', 'm', bytes('small'));
    const path = join(directory, 'data', 'messages', ...keyToSegments('m'));
    await writeFile(path, new Uint8Array(store.limits.maxValueBytes + 1));
    expect(await refusal(store.get('messages', 'm'))).toBe('corrupt_record');
  });

  it('ignores files in a collection directory that no key maps to', async () => {
    const store = await open();
    await store.put('pins', 'alice', bytes('key'));
    const collection = join(directory, 'data', 'pins');
    for (const name of ['.DS_Store', 'kAlice', 'k_61lice', 'x', 'k']) {
      await writeFile(join(collection, name), 'foreign');
    }
    expect(await store.list('pins')).toEqual(['alice']);
  });

  it('reports file system failures as io_failed with the cause', async () => {
    const store = await open();
    await rm(join(directory, 'tmp'), { recursive: true });
    await writeFile(join(directory, 'tmp'), 'a file where the directory was');
    const error = await store.put('groups', 'g', bytes('x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalStoreError);
    expect((error as LocalStoreError).code).toBe('io_failed');
    expect((error as LocalStoreError).cause).toBeInstanceOf(Error);
  });
});
