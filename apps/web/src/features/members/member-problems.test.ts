import { ApiError, MessagingError } from '@amtsbote/client';
import { describe, expect, it } from 'vitest';
import { de } from '../../i18n/de.js';
import { en } from '../../i18n/en.js';
import { memberProblemOf } from './member-problems.js';

describe('memberProblemOf', () => {
  it('tells the server’s refusals of member changes apart', () => {
    expect(memberProblemOf(new ApiError(403, 'forbidden', 'only owners', null))).toBe(
      'problemNotAllowed',
    );
    expect(memberProblemOf(new ApiError(409, 'last_owner', 'name one', null))).toBe(
      'problemLastOwner',
    );
    expect(memberProblemOf(new ApiError(0, 'network_error', 'offline', null))).toBe(
      'problemUnreachable',
    );
  });

  it('tells the client’s refusals apart, and says nothing raw about the rest', () => {
    expect(memberProblemOf(new MessagingError('no_key_packages', 'none'))).toBe('problemNoDevice');
    expect(memberProblemOf(new MessagingError('no_pinned_key', 'none'))).toBe('problemNoPinnedKey');
    expect(memberProblemOf(new MessagingError('not_in_group', 'gone'))).toBe('problemNotMember');
    expect(memberProblemOf(new TypeError('Failed to fetch'))).toBe('problemUnreachable');
    expect(memberProblemOf(new Error('something'))).toBe('problemUnexpected');
  });

  it('has a text for every problem in both languages', () => {
    const problems = [
      new ApiError(403, 'forbidden', '', null),
      new ApiError(409, 'last_owner', '', null),
      new MessagingError('no_key_packages', ''),
      new MessagingError('no_pinned_key', ''),
      new MessagingError('commit_conflict', ''),
      new MessagingError('not_in_group', ''),
      new TypeError(''),
      new Error(''),
    ].map(memberProblemOf);
    for (const problem of problems) {
      expect(de.members[problem].length).toBeGreaterThan(0);
      expect(en.members[problem].length).toBeGreaterThan(0);
    }
  });
});
