import type { ErrorCode, FieldError } from '@amtsbote/protocol';

export interface AppErrorOptions {
  readonly fields?: readonly FieldError[];
  readonly retryAfterSeconds?: number;
  /** epoch_conflict: the conversation's current epoch. */
  readonly currentEpoch?: number;
  readonly cause?: unknown;
}

/**
 * An error the caller is meant to see: it carries the HTTP status and a stable code.
 * Anything else that reaches the error handler is a bug and becomes a generic 500.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly fields: readonly FieldError[] | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly currentEpoch: number | undefined;

  constructor(status: number, code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.fields = options.fields;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.currentEpoch = options.currentEpoch;
  }
}

export const notFound = (code: ErrorCode, what: string): AppError =>
  new AppError(404, code, `${what} not found`);

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${String(value)}`);
}
