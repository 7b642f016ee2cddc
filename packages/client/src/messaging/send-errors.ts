import { MlsGroupError } from '@amtsbote/crypto';
import { ApiError } from '../http-api.js';
import { LiveSendError } from './live-connection.js';
import { MessagingError } from './messaging-error.js';

/** What to do after a failed send or commit: re-base, try later, or give up on it. */
export type FailureKind = 'epoch_conflict' | 'transient' | 'refused';

const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'network_error',
  'unexpected_response',
  'connection_closed',
  'timeout',
  'too_many_requests',
  'unavailable',
  'internal_error',
  // The session ended: the message is fine, the device must sign in again.
  'unauthenticated',
]);

export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof ApiError || error instanceof LiveSendError) {
    if (error.code === 'epoch_conflict') return 'epoch_conflict';
    if (error instanceof ApiError && (error.status === 0 || error.status >= 500)) {
      return 'transient';
    }
    return TRANSIENT_CODES.has(error.code) ? 'transient' : 'refused';
  }
  if (error instanceof MlsGroupError) return 'refused';
  if (error instanceof MessagingError) {
    return error.code === 'conversation_not_found' || error.code === 'not_in_group'
      ? 'refused'
      : 'transient';
  }
  // Anything else (storage, a bug) is not the message's fault: keep it for a later attempt.
  return 'transient';
}
