import { ApiError, MessagingError } from '@amtsbote/client';
import type { de } from '../i18n/de.js';

/** A problem the user is told about: a key of the catalog's `problems` section. */
export type Problem = keyof (typeof de)['problems'];

const PROBLEM_OF_CODE: Readonly<Partial<Record<string, Problem>>> = {
  network_error: 'serverUnreachable',
  invalid_credentials: 'invalidCredentials',
  too_many_requests: 'rateLimited',
  setup_link_invalid: 'setupLinkInvalid',
  setup_link_expired: 'setupLinkExpired',
  setup_already_done: 'setupAlreadyDone',
  invite_invalid: 'inviteInvalid',
  invite_used: 'inviteInvalid',
  invite_expired: 'inviteExpired',
  username_taken: 'usernameTaken',
  passkey_required: 'passkeyRequired',
  device_revoked: 'deviceRevoked',
  unauthenticated: 'sessionEnded',
  invalid_request: 'fieldsInvalid',
  recovery_not_found: 'recoveryKeyWrong',
};

/** What to tell the user about an error of the server or the client; never its raw message. */
export function problemOf(error: unknown): Problem {
  if (error instanceof ApiError || error instanceof MessagingError) {
    return PROBLEM_OF_CODE[error.code] ?? 'unexpected';
  }
  if (error instanceof TypeError) return 'serverUnreachable';
  return 'unexpected';
}

/** The server refuses this device's session for good (revoked, ended, user disabled). */
export function isSessionGone(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    (error.status === 401 || error.code === 'device_revoked' || error.code === 'session_not_found')
  );
}
