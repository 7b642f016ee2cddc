import type { TimelineItem, TimelinePage } from '@amtsbote/client';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_WINDOW,
  newestSeq,
  windowOf,
  withMessage,
  withNewer,
  withOlder,
} from './timeline-window.js';

const ANNA = { userId: '0b0e7a52-5b8f-4a8e-8d39-7f3c2f7d9a01', deviceId: 'd1' };

function message(seq: number, text = `m${String(seq)}`): TimelineItem {
  return {
    kind: 'message',
    messageId: `id-${String(seq)}`,
    seq,
    sentAt: new Date(Date.UTC(2026, 11, 7, 9, 0, seq)).toISOString(),
    sender: ANNA,
    content: { type: 'text', text, mentions: [], replyTo: null, isUrgent: false, attachments: [] },
    isDeleted: false,
    editedAt: null,
    reactions: [],
    acknowledgedBy: [],
    acknowledgements: null,
  };
}

const page = (seqs: readonly number[], fromSeq: number, hasOlder: boolean): TimelinePage => ({
  items: seqs.map((seq) => message(seq)),
  fromSeq,
  hasOlder,
});

const seqs = (items: readonly TimelineItem[]): number[] => items.map((item) => item.seq);

describe('the timeline window', () => {
  it('adds older pages in front and newer items at the end, each once', () => {
    const opened = windowOf(page([8, 9, 10], 8, true));
    const older = withOlder(opened, page([5, 6, 7], 5, true));
    expect(seqs(older.items)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(older.fromSeq).toBe(5);
    expect(older.hasOlder).toBe(true);
    const oldest = withOlder(older, page([1, 2], 0, false));
    expect(oldest.hasOlder).toBe(false);
    expect(oldest.fromSeq).toBe(0);

    // A page read while another read added the same items adds none of them twice.
    const newer = withNewer(oldest, page([10, 11, 12], 10, false));
    expect(seqs(newer.items)).toEqual([1, 2, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(newestSeq(newer)).toBe(12);
    expect(withNewer(newer, page([], 13, false))).toBe(newer);
  });

  it('knows its newest seq when empty, and replaces a changed message where it is', () => {
    expect(newestSeq(EMPTY_WINDOW)).toBe(-1);
    expect(newestSeq(windowOf(page([], 7, false)))).toBe(6);

    const opened = windowOf(page([3, 4, 5], 3, false));
    const edited = withMessage(opened, message(4, 'corrected'));
    expect(seqs(edited.items)).toEqual([3, 4, 5]);
    const item = edited.items[1];
    expect(item?.kind === 'message' ? item.content : null).toMatchObject({ text: 'corrected' });
    // A message outside the window changes nothing.
    expect(withMessage(opened, message(1, 'elsewhere'))).toBe(opened);
  });
});
