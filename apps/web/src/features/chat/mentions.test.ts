import { describe, expect, it } from 'vitest';
import {
  arrivalKey,
  insertMention,
  matchingCandidates,
  mentionQueryAt,
  mentionsForSending,
  textSegments,
  updateMentions,
  type Mention,
} from './mentions.js';

const BERND = { userId: '00000000-0000-4000-8000-00000000000b', displayName: 'Bernd Berger' };
const CLARA = { userId: '00000000-0000-4000-8000-00000000000c', displayName: 'Clara Bähr' };
const DORA = { userId: '00000000-0000-4000-8000-00000000000d', displayName: 'Dora Dietz' };

/** Types `typed` at `at` into `text` and returns text, caret and mentions as the composer would. */
function type(text: string, at: number, typed: string, mentions: readonly Mention[]) {
  const after = `${text.slice(0, at)}${typed}${text.slice(at)}`;
  const caret = at + typed.length;
  return { text: after, mentions: updateMentions(text, after, caret, mentions) };
}

describe('mentionQueryAt', () => {
  it('finds the "@" query before the caret at the start and after a space', () => {
    expect(mentionQueryAt('@Be', 3, [])).toEqual({ start: 0, text: 'Be' });
    expect(mentionQueryAt('Hallo @Bernd B', 14, [])).toEqual({ start: 6, text: 'Bernd B' });
    expect(mentionQueryAt('Hallo (@', 8, [])).toEqual({ start: 7, text: '' });
  });

  it('finds no query in an e-mail address, after a line break or past the caret', () => {
    expect(mentionQueryAt('anna@example.org', 16, [])).toBeNull();
    expect(mentionQueryAt('@Be\nrnd', 7, [])).toBeNull();
    expect(mentionQueryAt('@ Bernd', 7, [])).toBeNull();
    expect(mentionQueryAt('Hallo @Be', 5, [])).toBeNull();
    expect(mentionQueryAt('@Be', 0, [])).toBeNull();
    expect(mentionQueryAt(`@${'x'.repeat(41)}`, 42, [])).toBeNull();
  });

  it('finds no query at the "@" of a mention already made', () => {
    const made = insertMention({ text: '@Be', mentions: [] }, { start: 0, text: 'Be' }, BERND);
    expect(mentionQueryAt(made.text, made.caret - 1, made.mentions)).toBeNull();
  });
});

describe('matchingCandidates', () => {
  it('matches the start of the name or of a word, ignoring case and accents', () => {
    const all = [BERND, CLARA, DORA];
    expect(matchingCandidates(all, 'be')).toEqual([BERND]);
    expect(matchingCandidates(all, 'bahr')).toEqual([CLARA]);
    expect(matchingCandidates(all, 'Dora D')).toEqual([DORA]);
    expect(matchingCandidates(all, 'erg')).toEqual([]);
    expect(matchingCandidates(all, '')).toEqual(all);
  });
});

describe('insertMention', () => {
  it('replaces the query with "@Name " and records the mention with UTF-16 offsets', () => {
    const draft = { text: '😀 Hallo @Be, bitte', mentions: [] };
    const result = insertMention(draft, { start: 9, text: 'Be' }, BERND);
    expect(result.text).toBe('😀 Hallo @Bernd Berger , bitte');
    expect(result.mentions).toEqual([{ userId: BERND.userId, start: 9, length: 13 }]);
    expect(result.caret).toBe(23);
    expect(result.text.slice(9, 22)).toBe('@Bernd Berger');
  });

  it('moves the mentions after the query and keeps them in text order', () => {
    const first = insertMention({ text: '@Do', mentions: [] }, { start: 0, text: 'Do' }, DORA);
    const text = `@Be ${first.text}`;
    const moved = updateMentions(first.text, text, 4, first.mentions);
    const second = insertMention({ text, mentions: moved }, { start: 0, text: 'Be' }, BERND);
    expect(second.text).toBe('@Bernd Berger  @Dora Dietz ');
    expect(second.mentions).toEqual([
      { userId: BERND.userId, start: 0, length: 13 },
      { userId: DORA.userId, start: 15, length: 11 },
    ]);
  });
});

describe('updateMentions', () => {
  const made = insertMention({ text: 'Hi @Be', mentions: [] }, { start: 3, text: 'Be' }, BERND);

  it('moves a mention when text is typed before it', () => {
    const result = type(made.text, 0, 'Oh, ', made.mentions);
    expect(result.mentions).toEqual([{ userId: BERND.userId, start: 7, length: 13 }]);
    expect(result.text.slice(7, 20)).toBe('@Bernd Berger');
  });

  it('moves a mention when an "@" is typed directly before it', () => {
    const result = type(made.text, 3, '@', made.mentions);
    expect(result.mentions).toEqual([{ userId: BERND.userId, start: 4, length: 13 }]);
  });

  it('keeps a mention when text is typed after it', () => {
    const result = type(made.text, made.text.length, 'wie geht es?', made.mentions);
    expect(result.mentions).toEqual(made.mentions);
  });

  it('drops a mention when its name is edited', () => {
    expect(type(made.text, 8, 'x', made.mentions).mentions).toEqual([]);
    const deleted = `${made.text.slice(0, 15)}${made.text.slice(16)}`;
    expect(updateMentions(made.text, deleted, 15, made.mentions)).toEqual([]);
  });

  it('drops a mention when a selection over it is replaced and moves the ones after', () => {
    const two = insertMention(
      { text: `${made.text}@Do`, mentions: made.mentions },
      { start: made.text.length, text: 'Do' },
      DORA,
    );
    const replaced = `Hallo ${two.text.slice(17)}`;
    const result = updateMentions(two.text, replaced, 6, two.mentions);
    expect(result).toEqual([{ userId: DORA.userId, start: 6, length: 11 }]);
    expect(replaced.slice(6, 17)).toBe('@Dora Dietz');
  });
});

describe('mentionsForSending', () => {
  it('trims the text and moves the offsets with it', () => {
    const made = insertMention({ text: '  @Be', mentions: [] }, { start: 2, text: 'Be' }, BERND);
    expect(mentionsForSending(made)).toEqual({
      text: '@Bernd Berger',
      mentions: [{ userId: BERND.userId, start: 0, length: 13 }],
    });
  });

  it('leaves out mentions that no longer fit the text', () => {
    const draft = {
      text: 'Hallo Bernd',
      mentions: [
        { userId: BERND.userId, start: 6, length: 5 },
        { userId: DORA.userId, start: 8, length: 40 },
      ],
    };
    expect(mentionsForSending(draft).mentions).toEqual([]);
  });
});

describe('textSegments', () => {
  it('splits the text at its mentions', () => {
    expect(
      textSegments('Hi @Bernd Berger, ok', [{ userId: BERND.userId, start: 3, length: 13 }]),
    ).toEqual([
      { kind: 'text', text: 'Hi ' },
      { kind: 'mention', text: '@Bernd Berger', userId: BERND.userId },
      { kind: 'text', text: ', ok' },
    ]);
  });

  it('shows stale or overlapping mentions as plain text', () => {
    expect(
      textSegments('Hallo zusammen', [
        { userId: BERND.userId, start: 6, length: 4 },
        { userId: DORA.userId, start: 10, length: 30 },
      ]),
    ).toEqual([{ kind: 'text', text: 'Hallo zusammen' }]);
    expect(
      textSegments('@Bernd', [
        { userId: BERND.userId, start: 0, length: 6 },
        { userId: DORA.userId, start: 0, length: 3 },
      ]),
    ).toEqual([{ kind: 'mention', text: '@Bernd', userId: BERND.userId }]);
  });
});

describe('arrivalKey', () => {
  it('announces urgency and a mention of the reader', () => {
    const mentions = [{ userId: BERND.userId, start: 0, length: 6 }];
    expect(arrivalKey({ mentions, isUrgent: true }, BERND.userId)).toBe(
      'compose.newUrgentMentionFrom',
    );
    expect(arrivalKey({ mentions, isUrgent: true }, DORA.userId)).toBe(
      'compose.newUrgentMessageFrom',
    );
    expect(arrivalKey({ mentions, isUrgent: false }, BERND.userId)).toBe('compose.newMentionFrom');
    expect(arrivalKey({ mentions: [], isUrgent: false }, BERND.userId)).toBe('chat.newMessageFrom');
  });
});
