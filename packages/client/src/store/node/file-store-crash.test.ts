import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreOperation } from '../local-store.js';
import { LocalStoreError, type LocalStoreErrorCode } from '../local-store-error.js';
import {
  FILE_STORE_CRASH_POINTS,
  FileStore,
  SimulatedCrashError,
  type FileStoreCrashPoint,
} from './file-store.js';
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

/** "Process a Welcome": new group state, key package used up, message processed, cursor moved. */
const transaction: StoreOperation[] = [
  { type: 'put', collection: 'groups', key: 'g1', value: bytes('epoch 8') },
  { type: 'delete', collection: 'key-packages', key: 'kp1' },
  { type: 'put', collection: 'messages', key: 'c1/0000000042', value: bytes('hello') },
  { type: 'put', collection: 'cursors', key: 'c1', value: bytes('42') },
];

type Snapshot = Record<string, string | null>;

async function snapshot(store: FileStore): Promise<Snapshot> {
  const read = async (
    collection: 'groups' | 'key-packages' | 'messages' | 'cursors',
    key: string,
  ) => {
    const value = await store.get(collection, key);
    return value === null ? null : new TextDecoder().decode(value);
  };
  return {
    group: await read('groups', 'g1'),
    keyPackage: await read('key-packages', 'kp1'),
    message: await read('messages', 'c1/0000000042'),
    cursor: await read('cursors', 'c1'),
  };
}

const before: Snapshot = {
  group: 'epoch 7',
  keyPackage: 'private half',
  message: null,
  cursor: '41',
};
const after: Snapshot = { group: 'epoch 8', keyPackage: null, message: 'hello', cursor: '42' };

describe('FileStore crash recovery', () => {
  let directory: string;
  const opened: FileStore[] = [];

  async function open(crashAt?: FileStoreCrashPoint): Promise<FileStore> {
    const store = await FileStore.open(
      directory,
      crashAt === undefined ? {} : { dangerousTestOnlyCrashAt: crashAt },
    );
    opened.push(store);
    return store;
  }

  /** Writes the state before, then runs the transaction in a store that "dies" at the point. */
  async function crashAt(point: FileStoreCrashPoint): Promise<void> {
    const setup = await open();
    await setup.put('groups', 'g1', bytes('epoch 7'));
    await setup.put('key-packages', 'kp1', bytes('private half'));
    await setup.put('cursors', 'c1', bytes('41'));
    await setup.close();
    const dying = await open(point);
    await expect(dying.transaction(transaction)).rejects.toThrow(SimulatedCrashError);
    expect(await refusal(dying.get('groups', 'g1'))).toBe('closed');
  }

  beforeEach(async () => {
    directory = join(await mkdtemp(join(tmpdir(), 'amtsbote-crash-')), 'profile');
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await rm(join(directory, '..'), { recursive: true, force: true });
  });

  it('leaves the committed journal and a half-applied transaction on disk when it dies', async () => {
    await crashAt('after-first-operation');
    expect((await stat(join(directory, 'journal'))).isFile()).toBe(true);
    const record = (collection: string, key: string): string =>
      join(directory, 'data', collection, ...keyToSegments(key));
    expect(await readFile(record('groups', 'g1'), 'utf8')).toBe('epoch 8');
    expect(await readFile(record('key-packages', 'kp1'), 'utf8')).toBe('private half');
    expect(await readFile(record('cursors', 'c1'), 'utf8')).toBe('41');
  });

  /** Typed as a Record so a new crash point cannot go untested. */
  const outcomes: Record<FileStoreCrashPoint, { outcome: string; state: Snapshot }> = {
    'before-journal-commit': { outcome: 'nothing of the transaction', state: before },
    'after-journal-commit': { outcome: 'all of the transaction', state: after },
    'after-first-operation': { outcome: 'all of the transaction', state: after },
  };

  for (const point of FILE_STORE_CRASH_POINTS) {
    const { outcome, state } = outcomes[point];
    it(`shows ${outcome} after a crash at ${point} and a reopen`, async () => {
      await crashAt(point);
      const reopened = await open();
      expect(await snapshot(reopened)).toEqual(state);
      expect(await readdir(directory)).not.toContain('journal');
      expect(await readdir(join(directory, 'tmp'))).toEqual([]);
    });
  }

  it('completes the transaction when the recovery itself crashes and is run again', async () => {
    await crashAt('after-first-operation');
    await expect(
      FileStore.open(directory, { dangerousTestOnlyCrashAt: 'after-first-operation' }),
    ).rejects.toThrow(SimulatedCrashError);
    expect(await readdir(directory)).toContain('journal');
    const reopened = await open();
    expect(await snapshot(reopened)).toEqual(after);
    expect(await readdir(directory)).not.toContain('journal');
  });

  it('refuses to open when a committed journal is damaged, rather than guess', async () => {
    await crashAt('after-journal-commit');
    const path = join(directory, 'journal');
    const journal = await readFile(path);
    const damaged = [
      journal.subarray(0, journal.length - 1),
      Buffer.concat([journal, Buffer.from([0])]),
      Buffer.from(journal.map((byte, i) => (i === journal.length - 3 ? byte ^ 1 : byte))),
      Buffer.from(journal.map((byte, i) => (i === 0 ? byte ^ 1 : byte))),
      Buffer.alloc(0),
    ];
    for (const bytesOnDisk of damaged) {
      await writeFile(path, bytesOnDisk);
      expect(await refusal(FileStore.open(directory))).toBe('corrupt_journal');
    }
    await writeFile(path, journal);
    expect(await snapshot(await open())).toEqual(after);
  });

  it('accepts new transactions after recovering a crashed one', async () => {
    const dying = await open('after-journal-commit');
    await expect(dying.transaction(transaction.slice(0, 1))).rejects.toThrow(SimulatedCrashError);
    const recovered = await open();
    await recovered.transaction([
      { type: 'put', collection: 'cursors', key: 'c1', value: bytes('99') },
    ]);
    expect(await recovered.get('groups', 'g1')).toEqual(bytes('epoch 8'));
    expect(await recovered.get('cursors', 'c1')).toEqual(bytes('99'));
  });

  it('refuses the crash hook outside tests', async () => {
    const vitest = process.env['VITEST'];
    delete process.env['VITEST'];
    try {
      await expect(
        FileStore.open(directory, { dangerousTestOnlyCrashAt: 'after-journal-commit' }),
      ).rejects.toThrow('for tests only');
    } finally {
      process.env['VITEST'] = vitest;
    }
  });
});
