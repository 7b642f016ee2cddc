/** Stable codes of every refusal of a passkey ceremony on this device; the UI maps each to a text. */
export const PASSKEY_ERROR_CODES = [
  /** The browser has no WebAuthn or lacks its JSON helpers (parse…FromJSON, toJSON). */
  'not_supported',
  /** The user cancelled, the prompt timed out, or no passkey of this account is on the device. */
  'cancelled',
  /** The authenticator already holds a passkey of this account (excludeCredentials). */
  'already_registered',
  /** The passkey gives no PRF output: it cannot unlock the vault. */
  'prf_unavailable',
  /** The browser answered with something that is not a usable credential. */
  'failed',
] as const;
export type PasskeyErrorCode = (typeof PASSKEY_ERROR_CODES)[number];

export class PasskeyError extends Error {
  readonly code: PasskeyErrorCode;

  constructor(code: PasskeyErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PasskeyError';
    this.code = code;
  }
}
