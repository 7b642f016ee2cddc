import {
  VaultKeyError,
  generateVaultKey,
  importStorageKey,
  unwrapVaultKeyWithPrf,
  unwrapVaultKeyWithSecret,
  wrapVaultKeyWithPrf,
  wrapVaultKeyWithSecret,
} from '@amtsbote/crypto';
import { EncryptedStore } from '../encrypted-store.js';
import type { LocalStore } from '../local-store.js';
import { SerialQueue } from '../serial-queue.js';
import { DEFAULT_BLOCKED_TIMEOUT_MS, deleteDatabases } from './idb-databases.js';
import { IndexedDbStore } from './indexeddb-store.js';
import { pinRetryDelayMs } from './pin-attempt-policy.js';
import { VaultError } from './vault-error.js';
import {
  checkCredentialId,
  checkName,
  checkOptions,
  checkPin,
  checkPrfOutput,
  fromKeyError,
  type CreateVaultOptions,
  type PrfUnlock,
  type VaultConfig,
  type VaultOptions,
} from './vault-input.js';
import {
  FAILED_ATTEMPTS_CEILING,
  VAULT_META_VERSION,
  addVaultMeta,
  metaDatabaseName,
  readVaultMeta,
  updateVaultMeta,
  type VaultMeta,
} from './vault-meta.js';

export interface UnlockedVault {
  readonly vault: Vault;
  readonly store: LocalStore;
}

export interface VaultStatus {
  readonly failedAttempts: number;
  readonly lockedUntilMs: number | null;
  /** The credential id of the passkey that unlocks the vault, or null when none does. */
  readonly prfCredentialId: Uint8Array | null;
}

interface Session {
  /** Kept while unlocked to add or change an unlock method; zeroed by lock(). */
  readonly keyBytes: Uint8Array;
  readonly store: LocalStore;
}

/**
 * The web app's on-device vault: a LocalStore in IndexedDB, sealed by EncryptedStore under a
 * random vault key that is kept only wrapped under the PIN and, optionally, a passkey's PRF
 * output (@amtsbote/crypto, vault key wrapping). The record with the wraps and the failed-PIN
 * counter is in vault-meta.ts.
 *
 * PIN attempts are counted before they are checked, in one IndexedDB transaction, so attempts
 * in parallel (two tabs, a reload in the middle) all count. A passkey unlock ignores the PIN
 * lock-out: a 256-bit PRF output cannot be guessed, and it resets the counter.
 */
export class Vault {
  readonly name: string;
  readonly #config: VaultConfig;
  readonly #vaultId: string;
  /** One operation at a time on this object: two unlocks never open two sessions. */
  readonly #queue = new SerialQueue();
  #session: Session | null = null;

  private constructor(config: VaultConfig, vaultId: string) {
    this.name = config.name;
    this.#config = config;
    this.#vaultId = vaultId;
  }

  /** A new vault under `pin`, unlocked; 'vault_exists' when the name is taken. */
  static async create(options: CreateVaultOptions): Promise<UnlockedVault> {
    const config = checkOptions(options);
    checkPin(options.pin);
    const keyBytes = generateVaultKey();
    const vaultId = globalThis.crypto.randomUUID();
    await addVaultMeta(config.name, {
      version: VAULT_META_VERSION,
      vaultId,
      createdAtMs: config.now(),
      wraps: { pin: await wrapVaultKeyWithSecret(keyBytes, options.pin, vaultId), prf: null },
      failedAttempts: 0,
      lockedUntilMs: null,
    });
    // A store database without a record is what a wipe cut short leaves behind: ciphertext
    // under a key no wrap holds any more. The record just added makes the name ours.
    await deleteDatabases([config.name], config.blockedTimeoutMs);
    const vault = new Vault(config, vaultId);
    const store = await vault.#queue.run(() => vault.#openSession(keyBytes));
    return { vault, store };
  }

  /** The vault of that name, locked; 'vault_not_found' when there is none. */
  static async open(options: VaultOptions): Promise<Vault> {
    const config = checkOptions(options);
    const meta = await readVaultMeta(config.name);
    if (meta === null) throw new VaultError('vault_not_found', `no vault ${config.name}`);
    return new Vault(config, meta.vaultId);
  }

  /** Whether a vault of that name exists; a damaged one does (open() then says so). */
  static async exists(name: string): Promise<boolean> {
    checkName(name);
    try {
      return (await readVaultMeta(name)) !== null;
    } catch (error) {
      if (error instanceof VaultError && error.code === 'vault_corrupt') return true;
      throw error;
    }
  }

  /**
   * Deletes the vault (logout, remote wipe): the record first, so the data is unreadable even
   * if the store's deletion does not complete. Open stores of it, in this tab or another, close
   * themselves and refuse every later call with 'closed'.
   */
  static async wipe(name: string, options: { blockedTimeoutMs?: number } = {}): Promise<void> {
    checkName(name);
    await deleteDatabases(
      [metaDatabaseName(name), name],
      options.blockedTimeoutMs ?? DEFAULT_BLOCKED_TIMEOUT_MS,
    );
  }

  get isUnlocked(): boolean {
    return this.#session !== null;
  }

  async status(): Promise<VaultStatus> {
    const meta = await readVaultMeta(this.name);
    if (meta?.vaultId !== this.#vaultId) throw this.#gone();
    return {
      failedAttempts: meta.failedAttempts,
      lockedUntilMs: meta.lockedUntilMs,
      prfCredentialId: meta.wraps.prf?.credentialId.slice() ?? null,
    };
  }

  /** The vault's store; 'wrong_pin', 'vault_locked_out' or 'vault_wiped' otherwise. */
  async unlockWithPin(pin: string): Promise<LocalStore> {
    return this.#queue.run(async () => {
      this.#assertLocked();
      checkPin(pin);
      const counted = await this.#update((meta) => {
        const now = this.#config.now();
        if (meta.lockedUntilMs !== null && now < meta.lockedUntilMs) {
          const retryAfterMs = meta.lockedUntilMs - now;
          throw new VaultError('vault_locked_out', `try again in ${retryAfterMs} ms`, {
            retryAfterMs,
          });
        }
        const failedAttempts = Math.min(meta.failedAttempts + 1, FAILED_ATTEMPTS_CEILING);
        return { ...meta, failedAttempts };
      });
      let keyBytes: Uint8Array;
      try {
        keyBytes = await unwrapVaultKeyWithSecret(counted.wraps.pin, pin, this.#vaultId);
      } catch (error) {
        if (error instanceof VaultKeyError && error.code === 'wrong_secret') {
          throw await this.#pinFailed(error);
        }
        throw fromKeyError(error);
      }
      return this.#openSession(keyBytes);
    });
  }

  /** The vault's store, unlocked by a passkey's PRF output (see addPrfUnlock). */
  async unlockWithPrf(prfOutput: Uint8Array): Promise<LocalStore> {
    return this.#queue.run(async () => {
      this.#assertLocked();
      checkPrfOutput(prfOutput);
      const meta = await readVaultMeta(this.name);
      if (meta?.vaultId !== this.#vaultId) throw this.#gone();
      if (meta.wraps.prf === null) {
        throw new VaultError('passkey_not_enrolled', 'no passkey unlocks this vault');
      }
      let keyBytes: Uint8Array;
      try {
        keyBytes = await unwrapVaultKeyWithPrf(meta.wraps.prf.wrap, prfOutput, this.#vaultId);
      } catch (error) {
        if (error instanceof VaultKeyError && error.code === 'wrong_secret') {
          throw new VaultError('wrong_passkey', 'this passkey does not unlock the vault', {
            cause: error,
          });
        }
        throw fromKeyError(error);
      }
      return this.#openSession(keyBytes);
    });
  }

  /** While unlocked: lets the passkey unlock the vault too, replacing an earlier one. */
  async addPrfUnlock(unlock: PrfUnlock): Promise<void> {
    await this.#queue.run(async () => {
      const session = this.#assertUnlocked();
      const { credentialId, prfOutput } = unlock;
      checkCredentialId(credentialId);
      checkPrfOutput(prfOutput);
      const wrap = await wrapVaultKeyWithPrf(session.keyBytes, prfOutput, this.#vaultId);
      const prf = { credentialId: credentialId.slice(), wrap };
      await this.#update((meta) => ({ ...meta, wraps: { ...meta.wraps, prf } }));
    });
  }

  async removePrfUnlock(): Promise<void> {
    await this.#queue.run(async () => {
      this.#assertUnlocked();
      await this.#update((meta) => ({ ...meta, wraps: { ...meta.wraps, prf: null } }));
    });
  }

  /** While unlocked (by PIN or passkey): wraps the vault key under a new PIN. */
  async changePin(newPin: string): Promise<void> {
    await this.#queue.run(async () => {
      const session = this.#assertUnlocked();
      checkPin(newPin);
      const pin = await wrapVaultKeyWithSecret(session.keyBytes, newPin, this.#vaultId);
      await this.#update((meta) => ({
        ...meta,
        wraps: { ...meta.wraps, pin },
        failedAttempts: 0,
        lockedUntilMs: null,
      }));
    });
  }

  /** Closes the store and forgets the vault key; unlocking again needs the PIN or passkey. */
  async lock(): Promise<void> {
    await this.#queue.run(() => this.#lock());
  }

  /** Locks and deletes the vault (see Vault.wipe). */
  async wipe(): Promise<void> {
    await this.#queue.run(async () => {
      await this.#lock();
      await Vault.wipe(this.name, { blockedTimeoutMs: this.#config.blockedTimeoutMs });
    });
  }

  async #lock(): Promise<void> {
    const session = this.#session;
    if (session === null) return;
    this.#session = null;
    session.keyBytes.fill(0);
    await session.store.close();
  }

  /** After a successful unlock (or create): resets the PIN counter and opens the store. */
  async #openSession(keyBytes: Uint8Array): Promise<LocalStore> {
    try {
      await this.#update((meta) =>
        meta.failedAttempts === 0 && meta.lockedUntilMs === null
          ? meta
          : { ...meta, failedAttempts: 0, lockedUntilMs: null },
      );
      const storageKey = await importStorageKey(keyBytes);
      const store = new EncryptedStore(await IndexedDbStore.open(this.name), storageKey);
      this.#session = { keyBytes, store };
      return store;
    } catch (error) {
      keyBytes.fill(0);
      if (error instanceof VaultError) throw error;
      throw new VaultError('storage_failed', `the store of vault ${this.name} does not open`, {
        cause: error,
      });
    }
  }

  /** Counts a wrong PIN: sets the wait before the next attempt, or wipes after the last one. */
  async #pinFailed(cause: unknown): Promise<VaultError> {
    const { maxFailedAttempts } = this.#config;
    const now = this.#config.now();
    const meta = await this.#update((current) => {
      const delayMs = pinRetryDelayMs(current.failedAttempts);
      if (delayMs === 0 || current.failedAttempts >= maxFailedAttempts) return current;
      return { ...current, lockedUntilMs: Math.max(current.lockedUntilMs ?? 0, now + delayMs) };
    });
    if (meta.failedAttempts >= maxFailedAttempts) {
      await Vault.wipe(this.name, { blockedTimeoutMs: this.#config.blockedTimeoutMs });
      return new VaultError('vault_wiped', 'too many wrong PINs: the vault was wiped', { cause });
    }
    return new VaultError('wrong_pin', 'the PIN is wrong', {
      cause,
      attemptsLeft: maxFailedAttempts - meta.failedAttempts,
      // Attempts in parallel may have set a later time than this one's delay.
      retryAfterMs: Math.max(0, (meta.lockedUntilMs ?? now) - now),
    });
  }

  /** Changes this vault's record; 'vault_not_found' when it was wiped (or replaced) meanwhile. */
  async #update(change: (meta: VaultMeta) => VaultMeta): Promise<VaultMeta> {
    return updateVaultMeta(this.name, (meta) => {
      if (meta.vaultId !== this.#vaultId) throw this.#gone();
      return change(meta);
    });
  }

  #gone(): VaultError {
    return new VaultError('vault_not_found', `vault ${this.name} was wiped`);
  }

  #assertLocked(): void {
    if (this.#session !== null) {
      throw new VaultError('already_unlocked', 'the vault is unlocked; lock() it first');
    }
  }

  #assertUnlocked(): Session {
    if (this.#session === null) throw new VaultError('not_unlocked', 'unlock the vault first');
    return this.#session;
  }
}
