import { MAX_DIRECTORY_LOOKUP_IDS, type DirectoryLookupEntry } from '@amtsbote/protocol';
import { describe, expect, it } from 'vitest';
import { lookupInBatches } from './directory-lookup.js';

const idOf = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const entryOf = (id: string): DirectoryLookupEntry => ({
  id,
  username: `user-${id.slice(-4)}`,
  displayName: `User ${id.slice(-4)}`,
  department: null,
  isActive: true,
});

describe('lookupInBatches', () => {
  it('asks in batches of at most MAX_DIRECTORY_LOOKUP_IDS and returns every answer', async () => {
    const ids = Array.from({ length: 2 * MAX_DIRECTORY_LOOKUP_IDS + 1 }, (_, n) => idOf(n));
    const batches: (readonly string[])[] = [];
    const found = await lookupInBatches(ids, (batch) => {
      batches.push(batch);
      return Promise.resolve(batch.map(entryOf));
    });
    expect(batches.map((b) => b.length)).toEqual([
      MAX_DIRECTORY_LOOKUP_IDS,
      MAX_DIRECTORY_LOOKUP_IDS,
      1,
    ]);
    expect(found.map((e) => e.id)).toEqual(ids);
  });

  it('asks for each id once, whatever its case, and not at all for none', async () => {
    const batches: (readonly string[])[] = [];
    const lookup = (batch: readonly string[]): Promise<DirectoryLookupEntry[]> => {
      batches.push(batch);
      return Promise.resolve([]);
    };
    await lookupInBatches([idOf(1), idOf(2), idOf(1), idOf(2).toUpperCase()], lookup);
    expect(batches).toEqual([[idOf(1), idOf(2)]]);
    expect(await lookupInBatches([], lookup)).toEqual([]);
    expect(batches).toHaveLength(1);
  });
});
