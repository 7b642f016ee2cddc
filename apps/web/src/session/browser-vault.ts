import { DEFAULT_MAX_FAILED_PIN_ATTEMPTS, Vault, VaultError } from '@amtsbote/client/browser';
import type { LocalStore } from '@amtsbote/client';
import { UnlockRefusedError, type DeviceVault } from './device-vault.js';

/** One account per browser profile and origin: the vault's IndexedDB name. */
const VAULT_NAME = 'amtsbote';

function refusalOf(error: unknown): UnlockRefusedError | null {
  if (!(error instanceof VaultError)) return null;
  switch (error.code) {
    case 'wrong_pin':
      return new UnlockRefusedError(
        { kind: 'wrong_pin', attemptsLeft: error.attemptsLeft ?? 0 },
        { cause: error },
      );
    case 'vault_locked_out':
      return new UnlockRefusedError(
        { kind: 'locked_out', retryInMs: error.retryAfterMs ?? 0 },
        { cause: error },
      );
    case 'wrong_passkey':
    case 'passkey_not_enrolled':
      return new UnlockRefusedError({ kind: 'wrong_passkey' }, { cause: error });
    case 'vault_wiped':
    case 'vault_not_found':
      return new UnlockRefusedError({ kind: 'wiped' }, { cause: error });
    default:
      return null;
  }
}

export interface BrowserVaultOptions {
  readonly now?: () => number;
  /**
   * The failed PIN attempt that reaches this wipes the vault: the organization's setting as
   * this device last read it (features/settings/device-policy.ts). Fixed for as long as the
   * app runs; a change takes effect at the next start. 10 unless given.
   */
  readonly maxFailedAttempts?: number;
}

/** The device vault in this browser's IndexedDB (@amtsbote/client/browser). */
export function createBrowserVault(options: BrowserVaultOptions = {}): DeviceVault {
  const config = {
    name: VAULT_NAME,
    now: options.now ?? Date.now,
    maxFailedAttempts: options.maxFailedAttempts ?? DEFAULT_MAX_FAILED_PIN_ATTEMPTS,
  };
  let current: Vault | null = null;
  return {
    exists: () => Vault.exists(VAULT_NAME),
    create: async (pin) => {
      const { vault, store } = await Vault.create({ ...config, pin });
      current = vault;
      return store;
    },
    unlock: async (pin): Promise<LocalStore> => {
      try {
        current ??= await Vault.open(config);
        return await current.unlockWithPin(pin);
      } catch (error) {
        throw refusalOf(error) ?? error;
      }
    },
    passkeyUnlockId: async () => {
      if (!(await Vault.exists(VAULT_NAME))) return null;
      current ??= await Vault.open(config);
      return (await current.status()).prfCredentialId;
    },
    unlockWithPasskey: async (prfOutput): Promise<LocalStore> => {
      try {
        current ??= await Vault.open(config);
        return await current.unlockWithPrf(prfOutput);
      } catch (error) {
        throw refusalOf(error) ?? error;
      }
    },
    addPasskeyUnlock: async (unlock) => {
      if (current === null) throw new VaultError('not_unlocked', 'unlock the vault first');
      await current.addPrfUnlock(unlock);
    },
    removePasskeyUnlock: async () => {
      if (current === null) throw new VaultError('not_unlocked', 'unlock the vault first');
      await current.removePrfUnlock();
    },
    lock: async () => {
      await current?.lock();
    },
    wipe: async () => {
      const vault = current;
      current = null;
      await (vault === null ? Vault.wipe(VAULT_NAME) : vault.wipe());
    },
  };
}
