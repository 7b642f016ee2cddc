import { describe, expect, it } from 'vitest';
import { BlobStoreError } from './blob-store-error.js';
import { resolveRange } from './byte-range.js';

describe('resolveRange', () => {
  it('reads everything without a range, also of an empty blob', () => {
    expect(resolveRange(undefined, 10)).toEqual({ offset: 0, lengthBytes: 10 });
    expect(resolveRange(undefined, 0)).toEqual({ offset: 0, lengthBytes: 0 });
  });

  it('reads to the end when the length is null and cuts a length past the end', () => {
    expect(resolveRange({ offset: 4, lengthBytes: null }, 10)).toEqual({
      offset: 4,
      lengthBytes: 6,
    });
    expect(resolveRange({ offset: 9, lengthBytes: 50 }, 10)).toEqual({
      offset: 9,
      lengthBytes: 1,
    });
  });

  it('refuses a range that starts at or after the end, and any range of an empty blob', () => {
    for (const [range, total] of [
      [{ offset: 10, lengthBytes: null }, 10],
      [{ offset: 0, lengthBytes: 1 }, 0],
      [{ offset: 0, lengthBytes: null }, 0],
    ] as const) {
      expect(() => resolveRange(range, total)).toThrow(BlobStoreError);
    }
  });

  it('refuses offsets and lengths that are not whole numbers in range', () => {
    for (const range of [
      { offset: -1, lengthBytes: 1 },
      { offset: 0.5, lengthBytes: 1 },
      { offset: Number.POSITIVE_INFINITY, lengthBytes: 1 },
      { offset: 0, lengthBytes: 0 },
      { offset: 0, lengthBytes: Number.NaN },
      { offset: 0, lengthBytes: 2 ** 60 },
    ]) {
      expect(() => resolveRange(range, 10)).toThrow(
        expect.objectContaining({ code: 'invalid_range' }),
      );
    }
  });
});
