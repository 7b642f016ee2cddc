/*
 * A stretch of a conversation by seq, the order the server gave its events. Records of a
 * conversation are kept under keys ending in their zero-padded seq, so a window is chosen from
 * the keys alone, before any record is read and decrypted.
 */

/** The newest `limit` entries above `afterSeq` and below `beforeSeq` (all when unset). */
export interface SeqWindow {
  readonly afterSeq?: number;
  readonly beforeSeq?: number;
  readonly limit?: number;
}

export function inWindow(seq: number, window: SeqWindow): boolean {
  return seq > (window.afterSeq ?? -1) && seq < (window.beforeSeq ?? Number.POSITIVE_INFINITY);
}

/** The seq at the end of a key such as `s/<conversation>/0000000000000042`. */
export function seqOfKey(key: string): number {
  return Number(key.slice(key.lastIndexOf('/') + 1));
}
