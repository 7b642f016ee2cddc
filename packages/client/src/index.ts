export { ApiError, HttpApi, type HttpApiOptions } from './http-api.js';
export {
  ConnectionRejectedError,
  connectSession,
  type SessionConnection,
} from './session-connection.js';
export {
  BACKEND_STORE_LIMITS,
  COLLECTIONS,
  type Collection,
  type ListOptions,
  type LocalStore,
  type StoreLimits,
  type StoreOperation,
} from './store/local-store.js';
export {
  LOCAL_STORE_ERROR_CODES,
  LocalStoreError,
  type LocalStoreErrorCode,
} from './store/local-store-error.js';
export { MemoryStore } from './store/memory-store.js';
export { EncryptedStore } from './store/encrypted-store.js';
export { JsonCollection } from './store/json-collection.js';
export {
  MAX_OUTBOX_ENTRIES,
  MAX_OUTBOX_PAYLOAD_BYTES,
  Outbox,
  type OutboxEntry,
} from './store/outbox.js';
