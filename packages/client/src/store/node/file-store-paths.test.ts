import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStore } from './file-store.js';
import { keyToSegments, segmentsToKey } from './file-names.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Keys an attacker or a careless caller could choose to reach outside the store. */
const hostileKeys = [
  '../escape',
  '../../escape',
  '../../../../../../tmp/escape',
  '/etc/passwd',
  '..',
  '.',
  '...',
  'a/../../b',
  '..\\..\\escape',
  'C:\\Windows\\escape',
  '\u0000',
  'nul\u0000../x',
  'con',
  'CON',
  'aux.txt',
  '%2e%2e%2f',
  '_2e_2e_2f',
  '.journal',
  'lock',
  'format.json',
  '/'.repeat(256),
  '.'.repeat(256),
  '\u{1F600}'.repeat(128),
  'ä'.repeat(256),
  '\uFFFF'.repeat(256),
];

async function allPaths(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.map((entry) => join(entry.parentPath, entry.name));
}

describe('FileStore file names', () => {
  let parent: string;
  let directory: string;
  let store: FileStore;

  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'amtsbote-paths-'));
    directory = join(parent, 'profile');
    store = await FileStore.open(directory);
  });

  afterEach(async () => {
    await store.close();
    await rm(parent, { recursive: true, force: true });
  });

  it('keeps every record of a hostile key inside its collection directory', async () => {
    for (const key of hostileKeys) await store.put('pins', key, bytes(key));
    await store.transaction(
      hostileKeys.map((key) => ({ type: 'put', collection: 'groups', key, value: bytes(key) })),
    );

    expect(await readdir(parent)).toEqual(['profile']);
    expect((await readdir(directory)).sort()).toEqual(['data', 'format.json', 'lock', 'tmp']);
    const collectionRoots = ['pins', 'groups'].map((c) => join(directory, 'data', c) + sep);
    for (const path of await allPaths(join(directory, 'data'))) {
      const isCollectionDirectory = collectionRoots.includes(path + sep);
      const isInside = collectionRoots.some((root) => path.startsWith(root));
      expect(isCollectionDirectory || isInside, path).toBe(true);
    }
    for (const key of hostileKeys) {
      expect(await store.get('pins', key)).toEqual(bytes(key));
      expect(await store.get('groups', key)).toEqual(bytes(key));
    }
    expect(await store.list('pins')).toEqual([...hostileKeys].sort());
  });

  it('writes only short lowercase names of [a-z0-9_-] that no file system treats specially', async () => {
    for (const key of hostileKeys) await store.put('pins', key, bytes(key));
    const names = (await allPaths(join(directory, 'data', 'pins'))).flatMap((path) =>
      relative(join(directory, 'data', 'pins'), path).split(sep),
    );
    expect(names.length).toBeGreaterThan(hostileKeys.length);
    for (const name of names) {
      expect(name).toMatch(/^[dk][a-z0-9_-]+$/);
      expect(name.length).toBeLessThanOrEqual(121);
    }
  });

  it('keeps keys that differ only in case in separate files', async () => {
    await store.put('pins', 'Alice', bytes('upper'));
    await store.put('pins', 'alice', bytes('lower'));
    expect(keyToSegments('Alice')).not.toEqual(keyToSegments('alice'));
    expect(keyToSegments('Alice')[0]?.toLowerCase()).toBe(keyToSegments('Alice')[0]);
    expect(await store.get('pins', 'Alice')).toEqual(bytes('upper'));
    expect(await store.get('pins', 'alice')).toEqual(bytes('lower'));
  });

  it('removes the directories of a long key when its record is deleted', async () => {
    const long = 'ä'.repeat(256);
    expect(keyToSegments(long).length).toBeGreaterThan(10);
    await store.put('messages', long, bytes('x'));
    await store.put('messages', 'short', bytes('y'));
    await store.delete('messages', long);
    expect(await readdir(join(directory, 'data', 'messages'))).toEqual(keyToSegments('short'));
    expect(await store.list('messages')).toEqual(['short']);
  });

  it('keeps a key apart from a longer key that shares its first segment', async () => {
    const segment = 'x'.repeat(120);
    for (const key of [segment, segment + 'y', segment + segment, segment + segment + 'z']) {
      await store.put('messages', key, bytes(key));
    }
    expect(await store.list('messages')).toHaveLength(4);
    expect(await store.get('messages', segment)).toEqual(bytes(segment));
    expect(await store.get('messages', segment + 'y')).toEqual(bytes(segment + 'y'));
  });
});

describe('key to file name mapping', () => {
  it('maps every key back to itself', () => {
    for (const key of [...hostileKeys, 'a', '0', '-', '_', 'x'.repeat(256), 'a_61']) {
      expect(segmentsToKey(keyToSegments(key))).toBe(key);
    }
  });

  it('refuses names that no key maps to, so every key has exactly one path', () => {
    const refused = [
      ['kA'],
      ['k_61'],
      ['k_2'],
      ['k_zz'],
      ['k_2E'],
      ['k'],
      ['k.'],
      ['x'],
      ['dabc', 'kdef'],
      ['k_ff'],
      [`d${'x'.repeat(120)}`],
      [`k${'x'.repeat(121)}`],
    ];
    for (const segments of refused) expect(segmentsToKey(segments), segments.join('/')).toBeNull();
  });
});
