import { ApiError } from '@amtsbote/client';
import { FileCryptoError, type FileCryptoErrorCode } from '@amtsbote/crypto';
import { MAX_TRANSFER_ACCESS_FAILURES } from '@amtsbote/protocol';
import { CLIENT_EXIT_CODES, type DescribedError } from './client-error.js';

/*
 * What the user is told when a file or a transfer link does not open: the server's transfer
 * refusals (exit 2, asking the sender helps) and files that do not authenticate (exit 1: the
 * server or the way to it changed them; nothing was saved).
 */

const TRANSFER_MESSAGES: Readonly<Record<string, string>> = {
  transfer_access_denied: `the password is wrong, or the link is damaged (after ${MAX_TRANSFER_ACCESS_FAILURES} wrong passwords the link locks)`,
  transfer_expired: 'the link has expired; ask the sender for a new one',
  transfer_revoked: 'the sender revoked the link',
  transfer_exhausted: 'the link has been used as often as the sender allowed; ask for a new one',
  transfer_locked:
    'the link is locked after too many wrong passwords; ask the sender for a new one',
  transfer_not_found: 'no such transfer on this server: the link is wrong or the transfer is gone',
};

const NOTHING_SAVED = 'nothing was saved';

function cryptoMessage(code: FileCryptoErrorCode): string {
  switch (code) {
    case 'tampered':
      return `the file was changed on the server or on the way (it does not authenticate); ${NOTHING_SAVED}`;
    case 'truncated':
      return `the file ends early (cut on the server or on the way); ${NOTHING_SAVED}`;
    case 'extended':
      return `the file has bytes after its end (changed on the server or on the way); ${NOTHING_SAVED}`;
    case 'wrong_key':
    case 'unsupported_format':
    case 'invalid_metadata':
    case 'invalid_input':
      return `the file on the server does not open with its key: it was changed or replaced; ${NOTHING_SAVED}`;
  }
}

/** Transfer refusals and file-decryption failures; null for any other error. */
export function describeFileError(error: unknown): DescribedError | null {
  if (error instanceof ApiError) {
    const message = TRANSFER_MESSAGES[error.code];
    if (message === undefined) return null;
    return { code: error.code, message, exitCode: CLIENT_EXIT_CODES.refused };
  }
  if (error instanceof FileCryptoError) {
    return {
      code: 'file_tampered',
      message: cryptoMessage(error.code),
      exitCode: CLIENT_EXIT_CODES.failed,
    };
  }
  return null;
}
