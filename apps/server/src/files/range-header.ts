import type { ResolvedRange } from './byte-range.js';

/**
 * What a download's Range header asks of a file of totalBytes: the whole file (no header),
 * one satisfiable range, or nothing we can serve (416). We serve a single range of bytes:
 * `bytes=a-b`, `bytes=a-` and `bytes=-n`; anything else is refused rather than guessed at.
 */
export type RangeRequest =
  | { readonly kind: 'whole' }
  | { readonly kind: 'part'; readonly range: ResolvedRange }
  | { readonly kind: 'unsatisfiable' };

const SINGLE_RANGE = /^bytes=(\d{0,16})-(\d{0,16})$/;
const UNSATISFIABLE: RangeRequest = { kind: 'unsatisfiable' };

export function parseRangeHeader(header: string | undefined, totalBytes: number): RangeRequest {
  if (header === undefined) return { kind: 'whole' };
  const match = SINGLE_RANGE.exec(header.trim());
  if (match === null) return UNSATISFIABLE;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return UNSATISFIABLE;
  if (first === '') {
    // bytes=-n: the last n bytes (all of them when the file is shorter).
    const suffixBytes = Number(last);
    if (suffixBytes === 0 || totalBytes === 0) return UNSATISFIABLE;
    const offset = Math.max(0, totalBytes - suffixBytes);
    return { kind: 'part', range: { offset, lengthBytes: totalBytes - offset } };
  }
  const offset = Number(first);
  if (offset >= totalBytes) return UNSATISFIABLE;
  const end = last === '' ? totalBytes - 1 : Math.min(Number(last), totalBytes - 1);
  if (end < offset) return UNSATISFIABLE;
  return { kind: 'part', range: { offset, lengthBytes: end - offset + 1 } };
}
