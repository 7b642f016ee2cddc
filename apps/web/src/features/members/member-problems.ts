import { ApiError, MessagingError } from '@amtsbote/client';

/** Why an action in the conversation's details failed: a key of the catalog's `members` section. */
export type MemberProblem =
  | 'problemNotAllowed'
  | 'problemLastOwner'
  | 'problemNoDevice'
  | 'problemNoPinnedKey'
  | 'problemConflict'
  | 'problemNotMember'
  | 'problemUnreachable'
  | 'problemUnexpected';

const PROBLEM_OF_CODE: Readonly<Partial<Record<string, MemberProblem>>> = {
  forbidden: 'problemNotAllowed',
  not_a_poster: 'problemNotAllowed',
  last_owner: 'problemLastOwner',
  no_key_packages: 'problemNoDevice',
  no_pinned_key: 'problemNoPinnedKey',
  commit_conflict: 'problemConflict',
  epoch_conflict: 'problemConflict',
  conversation_not_found: 'problemNotMember',
  not_in_group: 'problemNotMember',
  network_error: 'problemUnreachable',
  send_pending: 'problemUnreachable',
};

/** What to tell the user about a refused member action; never the error's raw message. */
export function memberProblemOf(error: unknown): MemberProblem {
  if (error instanceof ApiError || error instanceof MessagingError) {
    return PROBLEM_OF_CODE[error.code] ?? 'problemUnexpected';
  }
  if (error instanceof TypeError) return 'problemUnreachable';
  return 'problemUnexpected';
}
