import { describe, expect, it } from 'vitest';
import { parseRangeHeader } from './range-header.js';

const part = (offset: number, lengthBytes: number): unknown => ({
  kind: 'part',
  range: { offset, lengthBytes },
});

describe('parseRangeHeader', () => {
  it('asks for the whole file without a header', () => {
    expect(parseRangeHeader(undefined, 10)).toEqual({ kind: 'whole' });
  });

  it('reads bytes=a-b inclusively and cuts an end past the file', () => {
    expect(parseRangeHeader('bytes=0-0', 10)).toEqual(part(0, 1));
    expect(parseRangeHeader('bytes=2-5', 10)).toEqual(part(2, 4));
    expect(parseRangeHeader('bytes=8-100', 10)).toEqual(part(8, 2));
  });

  it('reads an open end and a suffix', () => {
    expect(parseRangeHeader('bytes=7-', 10)).toEqual(part(7, 3));
    expect(parseRangeHeader('bytes=-3', 10)).toEqual(part(7, 3));
    expect(parseRangeHeader('bytes=-30', 10)).toEqual(part(0, 10));
  });

  it('refuses ranges outside the file, reversed, empty, multiple or in other units', () => {
    for (const header of [
      'bytes=10-',
      'bytes=10-12',
      'bytes=5-4',
      'bytes=-0',
      'bytes=-',
      'bytes=0-1,3-4',
      'items=0-1',
      'bytes=a-b',
      'bytes=99999999999999999-',
    ]) {
      expect(parseRangeHeader(header, 10), header).toEqual({ kind: 'unsatisfiable' });
    }
    expect(parseRangeHeader('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRangeHeader('bytes=-1', 0)).toEqual({ kind: 'unsatisfiable' });
  });
});
