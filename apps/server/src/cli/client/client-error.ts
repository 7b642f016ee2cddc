import { ApiError, LocalStoreError, MessagingError } from '@amtsbote/client';

/** Exit codes of `amtsbote client`; scripts branch on them. */
export const CLIENT_EXIT_CODES = {
  ok: 0,
  /** The server could not be reached, failed, or the message waits in the outbox. */
  failed: 1,
  /** Refused: bad input, unknown profile, wrong key, or the server said no. */
  refused: 2,
  /** The session of the profile ended (expired or revoked): log in with a new profile. */
  sessionEnded: 77,
} as const;

/** A refusal of the CLI itself, with a stable code like the server's. */
export class ClientCliError extends Error {
  readonly code: string;
  readonly exitCode: number;

  constructor(
    code: string,
    message: string,
    exitCode: number = CLIENT_EXIT_CODES.refused,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClientCliError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

export interface DescribedError {
  readonly code: string;
  readonly message: string;
  readonly exitCode: number;
}

/** What the user sees of an error; null for errors that are not ours to explain. */
export function describeClientError(error: unknown): DescribedError | null {
  if (error instanceof ClientCliError) {
    return { code: error.code, message: error.message, exitCode: error.exitCode };
  }
  if (error instanceof ApiError) {
    if (error.status === 401) {
      return {
        code: error.code,
        message:
          'the session of this profile has ended (expired or revoked); log in again with a new profile',
        exitCode: CLIENT_EXIT_CODES.sessionEnded,
      };
    }
    const isFailure = error.status === 0 || error.status >= 500;
    return {
      code: error.code,
      message: error.message,
      exitCode: isFailure ? CLIENT_EXIT_CODES.failed : CLIENT_EXIT_CODES.refused,
    };
  }
  if (error instanceof MessagingError) {
    const cause = error.cause instanceof ApiError ? describeClientError(error.cause) : null;
    if (cause?.exitCode === CLIENT_EXIT_CODES.sessionEnded) return cause;
    const isFailure = error.code === 'send_pending';
    return {
      code: error.code,
      message:
        error.code === 'send_pending'
          ? `${error.message} (the message waits in the profile's outbox and is sent by the next command)`
          : error.message,
      exitCode: isFailure ? CLIENT_EXIT_CODES.failed : CLIENT_EXIT_CODES.refused,
    };
  }
  if (error instanceof LocalStoreError) {
    if (error.code === 'corrupt_record') {
      return {
        code: 'wrong_profile_key',
        message: 'the profile does not open with its key file (wrong or damaged profile.key)',
        exitCode: CLIENT_EXIT_CODES.refused,
      };
    }
    if (error.code === 'locked') {
      return {
        code: error.code,
        message: 'the profile is in use by another amtsbote client process',
        exitCode: CLIENT_EXIT_CODES.refused,
      };
    }
    return { code: error.code, message: error.message, exitCode: CLIENT_EXIT_CODES.refused };
  }
  return null;
}
