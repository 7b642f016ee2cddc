import type { LocalStore } from '@amtsbote/client';

/** Why an unlock was refused. */
export type UnlockRefusal =
  | { readonly kind: 'wrong_pin'; readonly attemptsLeft: number }
  | { readonly kind: 'locked_out'; readonly retryInMs: number }
  | { readonly kind: 'wrong_passkey' }
  | { readonly kind: 'wiped' };

export class UnlockRefusedError extends Error {
  readonly refusal: UnlockRefusal;

  constructor(refusal: UnlockRefusal, options?: { cause?: unknown }) {
    super(`unlock refused: ${refusal.kind}`, options);
    this.name = 'UnlockRefusedError';
    this.refusal = refusal;
  }
}

/**
 * The device's encrypted vault as the app sees it: everything the app keeps on the device lives
 * in the LocalStore an unlock returns, sealed under a key that only the PIN (or a passkey)
 * unwraps.
 */
export interface DeviceVault {
  exists(): Promise<boolean>;
  /** A new, empty vault under this PIN, unlocked. */
  create(pin: string): Promise<LocalStore>;
  /** Refused with UnlockRefusedError. */
  unlock(pin: string): Promise<LocalStore>;
  /** The credential id of the passkey that unlocks the vault, or null when none does. */
  passkeyUnlockId(): Promise<Uint8Array | null>;
  /** With the passkey's PRF output (ADR 0016); refused with UnlockRefusedError. */
  unlockWithPasskey(prfOutput: Uint8Array): Promise<LocalStore>;
  /** While unlocked: lets this passkey unlock the vault too, replacing an earlier one. */
  addPasskeyUnlock(unlock: PasskeyUnlock): Promise<void>;
  /** While unlocked: only the PIN unlocks the vault again. */
  removePasskeyUnlock(): Promise<void>;
  /** Closes the store and forgets the key; the next unlock needs the PIN again. */
  lock(): Promise<void>;
  /** Erases everything this app keeps on the device (logout, remote wipe, forgotten PIN). */
  wipe(): Promise<void>;
}

/** A passkey's credential id and its PRF output at the vault's input. */
export interface PasskeyUnlock {
  readonly credentialId: Uint8Array;
  readonly prfOutput: Uint8Array;
}

/** The shortest PIN or passphrase the app accepts. */
export const MIN_PIN_CHARS = 6;
