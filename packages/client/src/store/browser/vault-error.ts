/** Stable codes of every refusal of the on-device vault; the app maps each to a message. */
export const VAULT_ERROR_CODES = [
  /** A name, PIN, PRF output or option the vault cannot take; nothing was changed. */
  'invalid_input',
  /** Vault.create found a vault of that name. */
  'vault_exists',
  'vault_not_found',
  /** The vault's record does not parse, or its wrapped key is damaged: offer a wipe. */
  'vault_corrupt',
  /** The PIN is wrong; `attemptsLeft` and `retryAfterMs` say what comes next. */
  'wrong_pin',
  /** The passkey's PRF output does not open the vault: another passkey, or a damaged wrap. */
  'wrong_passkey',
  /** The vault has no passkey unlock. */
  'passkey_not_enrolled',
  /** Too soon after failed PINs; `retryAfterMs` says how long to wait. */
  'vault_locked_out',
  /** The last allowed PIN attempt failed: both databases were deleted. */
  'vault_wiped',
  /** The operation needs an unlocked vault (addPrfUnlock, changePin). */
  'not_unlocked',
  'already_unlocked',
  /** Another tab keeps the databases open; their deletion waits until it closes them. */
  'wipe_blocked',
  /** IndexedDB refused an operation; the cause holds its error. */
  'storage_failed',
] as const;
export type VaultErrorCode = (typeof VAULT_ERROR_CODES)[number];

export interface VaultErrorDetails {
  readonly cause?: unknown;
  /** How long until the next PIN attempt is accepted (wrong_pin, vault_locked_out). */
  readonly retryAfterMs?: number;
  /** Failed PIN attempts left before the vault is wiped (wrong_pin). */
  readonly attemptsLeft?: number;
}

export class VaultError extends Error {
  readonly code: VaultErrorCode;
  readonly retryAfterMs: number | null;
  readonly attemptsLeft: number | null;

  constructor(code: VaultErrorCode, message: string, details: VaultErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'VaultError';
    this.code = code;
    this.retryAfterMs = details.retryAfterMs ?? null;
    this.attemptsLeft = details.attemptsLeft ?? null;
  }
}
