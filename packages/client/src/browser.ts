/*
 * The entry `@amtsbote/client/browser`: the web app's on-device storage, and nothing else, so
 * a page that only needs the vault does not bundle the messaging client. IndexedDbStore is the
 * plain backend; the Vault seals it with EncryptedStore under a key wrapped by the PIN or a
 * passkey. Errors: VaultError (the vault) and LocalStoreError (the store's calls).
 */
export { LocalStoreError, type LocalStoreErrorCode } from './store/local-store-error.js';
export type { Collection, ListOptions, LocalStore, StoreOperation } from './store/local-store.js';
export { INDEXEDDB_STORE_VERSION, IndexedDbStore } from './store/browser/indexeddb-store.js';
export { DEFAULT_BLOCKED_TIMEOUT_MS } from './store/browser/idb-databases.js';
export {
  DEFAULT_MAX_FAILED_PIN_ATTEMPTS,
  MAX_FAILED_PIN_ATTEMPTS_LIMIT,
  PIN_ATTEMPTS_WITHOUT_DELAY,
  PIN_DELAY_BASE_MS,
  PIN_MAX_DELAY_MS,
  pinRetryDelayMs,
} from './store/browser/pin-attempt-policy.js';
export {
  VAULT_ERROR_CODES,
  VaultError,
  type VaultErrorCode,
  type VaultErrorDetails,
} from './store/browser/vault-error.js';
export { Vault, type UnlockedVault, type VaultStatus } from './store/browser/vault.js';
export {
  MAX_VAULT_NAME_LENGTH,
  type CreateVaultOptions,
  type PrfUnlock,
  type VaultOptions,
} from './store/browser/vault-input.js';
