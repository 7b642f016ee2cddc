import { ApiError, FileCryptoError } from '@amtsbote/client/transfer-link';

/*
 * What went wrong, as the recipient can act on it. Every error the page meets becomes one of
 * these, and each has a message in the catalog (messages.ts); the raw error is never shown.
 */

export const PROBLEMS = [
  'password_missing',
  'wrong_password',
  'damaged_link',
  'not_found',
  'expired',
  'revoked',
  'exhausted',
  'locked',
  'damaged_file',
  'network',
  'too_many_requests',
  'save_failed',
  'unknown',
] as const;
export type Problem = (typeof PROBLEMS)[number];

/** Problems after which the link opens nothing any more: the page offers no further step. */
const FINAL_PROBLEMS: ReadonlySet<Problem> = new Set([
  'damaged_link',
  'not_found',
  'expired',
  'revoked',
  'exhausted',
  'locked',
]);

export function isFinalProblem(problem: Problem): boolean {
  return FINAL_PROBLEMS.has(problem);
}

/**
 * The problem behind an error of parsing, opening or downloading a link. A refused access token
 * means a wrong password when the link has one, else a link changed on its way (the token is
 * derived from the secret in the fragment).
 */
export function problemOf(error: unknown, isPasswordProtected: boolean): Problem {
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'transfer_access_denied':
        return isPasswordProtected ? 'wrong_password' : 'damaged_link';
      case 'transfer_not_found':
        return 'not_found';
      case 'transfer_expired':
        return 'expired';
      case 'transfer_revoked':
        return 'revoked';
      case 'transfer_exhausted':
        return 'exhausted';
      case 'transfer_locked':
        return 'locked';
      case 'too_many_requests':
        return 'too_many_requests';
      case 'network_error':
        return 'network';
      default:
        return 'unknown';
    }
  }
  if (error instanceof FileCryptoError) {
    // invalid_input comes from reading the fragment; every other code means the file or its
    // description does not authenticate with this link.
    return error.code === 'invalid_input' ? 'damaged_link' : 'damaged_file';
  }
  // A body that broke off after the retries ran out (fetch reports it as a TypeError).
  if (error instanceof TypeError) return 'network';
  return 'unknown';
}
