import { BlobStoreError } from './blob-store-error.js';

/**
 * A part of a blob: `lengthBytes` null reads to the end. HTTP's inclusive `bytes=a-b` is
 * offset a, length b - a + 1; a length reaching past the end is cut at the end, as in HTTP.
 */
export interface ByteRange {
  readonly offset: number;
  readonly lengthBytes: number | null;
}

export interface ResolvedRange {
  readonly offset: number;
  readonly lengthBytes: number;
}

/**
 * The bytes of a blob of totalBytes that a read returns. Without a range: all of them. A range
 * must start inside the blob (so no range fits an empty blob) and ask for at least one byte.
 */
export function resolveRange(range: ByteRange | undefined, totalBytes: number): ResolvedRange {
  if (range === undefined) return { offset: 0, lengthBytes: totalBytes };
  const { offset, lengthBytes } = range;
  const isOffsetValid = Number.isSafeInteger(offset) && offset >= 0 && offset < totalBytes;
  const isLengthValid =
    lengthBytes === null || (Number.isSafeInteger(lengthBytes) && lengthBytes >= 1);
  if (!isOffsetValid || !isLengthValid) {
    throw new BlobStoreError('invalid_range', 'the range is not satisfiable');
  }
  const rest = totalBytes - offset;
  return { offset, lengthBytes: lengthBytes === null ? rest : Math.min(lengthBytes, rest) };
}
