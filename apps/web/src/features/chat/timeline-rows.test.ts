import type { TimelineItem } from '@amtsbote/client';
import { describe, expect, it } from 'vitest';
import { dayLabel, pendingTexts, rowKey, timelineRows, type PendingText } from './timeline-rows.js';

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
      [{ key: 'local-0', text: 'Hallo', state: 'waiting' }],
    );
    expect(rows.map((row) => row.kind)).toEqual(['day', 'item', 'item', 'day', 'item', 'pending']);
    expect(rows[0]).toEqual({ kind: 'day', day: '2026-12-06' });
    expect(rows[3]).toEqual({ kind: 'day', day: '2026-12-07' });
  });

  it('gives every row a distinct key', () => {
    const at = new Date(2026, 11, 6, 9, 0).toISOString();
    const rows = timelineRows(
      [membership(1, at, 'a'), membership(1, at, 'b'), message(2, at)],
      [{ key: 'local-0', text: 'x', state: 'sending' }],
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

describe('pendingTexts', () => {
  const waiting = (key: string): PendingText => ({ key, text: key, state: 'waiting' });
  const local = (key: string, state: PendingText['state']): PendingText => ({
    key,
    text: key,
    state,
  });

  it('shows the outbox after a reload, when nothing is in flight', () => {
    expect(pendingTexts([waiting('a'), waiting('b')], []).map((p) => p.key)).toEqual(['a', 'b']);
  });

  it('leaves out the newest outbox entries that stand for texts in flight', () => {
    const shown = pendingTexts(
      [waiting('a'), waiting('b'), waiting('c')],
      [local('local-1', 'sending'), local('local-2', 'failed')],
    );
    expect(shown.map((p) => p.key)).toEqual(['a', 'b', 'local-1', 'local-2']);
    // A send that has not reached the outbox yet hides nothing that is not there.
    expect(pendingTexts([], [local('local-3', 'sending')]).map((p) => p.key)).toEqual(['local-3']);
  });
});
