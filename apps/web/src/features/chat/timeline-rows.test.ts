import type { TimelineItem } from '@amtsbote/client';
import { describe, expect, it } from 'vitest';
import { dayLabel, rowKey, timelineRows } from './timeline-rows.js';

const membership = (seq: number, sentAt: string, userId: string): TimelineItem => ({
  kind: 'membership',
  seq,
  sentAt,
  change: 'member_added',
  userId,
  deviceIds: [],
  committer: null,
});

const message = (seq: number, sentAt: string): TimelineItem => ({
  kind: 'message',
  messageId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
  seq,
  sentAt,
  sender: { userId: 'u', deviceId: 'd' },
  content: null,
  isDeleted: true,
  editedAt: null,
  reactions: [],
  acknowledgedBy: [],
  acknowledgements: null,
});

describe('timelineRows', () => {
  it('puts a day separator before the first item of each local day, then the pending texts', () => {
    const morning = new Date(2026, 11, 6, 9, 0).toISOString();
    const evening = new Date(2026, 11, 6, 21, 0).toISOString();
    const nextDay = new Date(2026, 11, 7, 8, 0).toISOString();
    const rows = timelineRows(
      [membership(1, morning, 'a'), message(2, evening), message(3, nextDay)],
      [{ localId: 0, text: 'Hallo', state: 'waiting' }],
    );
    expect(rows.map((row) => row.kind)).toEqual(['day', 'item', 'item', 'day', 'item', 'pending']);
    expect(rows[0]).toEqual({ kind: 'day', day: '2026-12-06' });
    expect(rows[3]).toEqual({ kind: 'day', day: '2026-12-07' });
  });

  it('gives every row a distinct key', () => {
    const at = new Date(2026, 11, 6, 9, 0).toISOString();
    const rows = timelineRows(
      [membership(1, at, 'a'), membership(1, at, 'b'), message(2, at)],
      [{ localId: 0, text: 'x', state: 'sending' }],
    );
    const keys = rows.map(rowKey);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('dayLabel', () => {
  const t = ((key: string) => (key === 'chat.today' ? 'Heute' : 'Gestern')) as never;
  const now = new Date(2026, 11, 7, 12, 0);

  it('says today and yesterday, and names older days in the language', () => {
    expect(dayLabel('2026-12-07', 'de', t, now)).toBe('Heute');
    expect(dayLabel('2026-12-06', 'de', t, now)).toBe('Gestern');
    expect(dayLabel('2026-12-01', 'de', t, now)).toBe('Dienstag, 1. Dezember 2026');
    expect(dayLabel('2026-12-01', 'en', t, now)).toBe('Tuesday, December 1, 2026');
  });
});
