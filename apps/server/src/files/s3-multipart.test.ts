import { describe, expect, it } from 'vitest';
import { cutParts } from './s3-multipart.js';

async function partSizes(chunkSizes: number[], partSizeBytes: number): Promise<number[]> {
  let next = 0;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (const size of chunkSizes) {
      yield Uint8Array.from({ length: size }, () => next++ % 256);
      await Promise.resolve();
    }
  }
  const sizes: number[] = [];
  let expected = 0;
  for await (const part of cutParts(chunks(), partSizeBytes)) {
    for (const byte of part) expect(byte).toBe(expected++ % 256);
    sizes.push(part.byteLength);
  }
  expect(expected).toBe(next);
  return sizes;
}

describe('cutParts', () => {
  it('cuts parts of exactly the part size, in order, with a shorter last part', async () => {
    expect(await partSizes([3, 3, 3, 3], 5)).toEqual([5, 5, 2]);
  });

  it('cuts a chunk larger than several parts', async () => {
    expect(await partSizes([17], 5)).toEqual([5, 5, 5, 2]);
  });

  it('yields no short last part when the bytes end on a part boundary', async () => {
    expect(await partSizes([4, 6], 5)).toEqual([5, 5]);
  });

  it('yields nothing for an empty stream or empty chunks', async () => {
    expect(await partSizes([], 5)).toEqual([]);
    expect(await partSizes([0, 0], 5)).toEqual([]);
  });
});
