/** Errors of the SFU, each with a stable code; they cross the IPC boundary as code + message. */

export const SFU_ERROR_CODES = [
  'sfu_ipc_malformed',
  'sfu_ipc_too_large',
  'sfu_worker_lost',
  'sfu_worker_timeout',
  'sfu_pool_closed',
  'sfu_no_worker',
  'sfu_room_exists',
  'sfu_room_not_found',
  'sfu_participant_exists',
  'sfu_participant_not_found',
  'sfu_negotiation_failed',
  'sfu_internal',
] as const;
export type SfuErrorCode = (typeof SFU_ERROR_CODES)[number];

export class SfuError extends Error {
  readonly code: SfuErrorCode;

  constructor(code: SfuErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SfuError';
    this.code = code;
  }
}

/** A message over the IPC channel that does not fit its schema or its size limit. */
export class SfuIpcError extends SfuError {
  /** Which schema paths failed; never the message's values. */
  readonly issues: readonly string[];

  constructor(code: 'sfu_ipc_malformed' | 'sfu_ipc_too_large', message: string, issues: string[]) {
    super(code, message);
    this.name = 'SfuIpcError';
    this.issues = issues;
  }
}

export const isSfuErrorCode = (value: string): value is SfuErrorCode =>
  (SFU_ERROR_CODES as readonly string[]).includes(value);
