/**
 * The client's local storage: a small key-value store of byte values, in named collections,
 * with atomic multi-record transactions. Implementations: MemoryStore (tests, benchmarks),
 * FileStore (CLI, `@amtsbote/client/node`), and EncryptedStore, which wraps any of them and
 * encrypts every value at rest.
 *
 * Record keys and collection names are NOT secret: they stay in clear on disk (file names) so a
 * backend can list and order them. Put identifiers there (conversation ids, sequence numbers,
 * key package references), never content. Content goes in the value, which EncryptedStore seals.
 */

/** Every collection the client uses; a store refuses any other name. */
export const COLLECTIONS = [
  /** The profile itself: server URL, user and device id, session token. */
  'profile',
  /** This device's private keys and credential: identity key, device signature key. */
  'identity',
  /** MLS group state per conversation, including its epoch secrets. */
  'groups',
  /** The private halves of published key packages, by key package reference, until used. */
  'key-packages',
  /** Identity keys of other users, pinned on first sight or verified by safety code. */
  'pins',
  /** Decrypted messages and processed-message markers (de-duplication by conversation and seq). */
  'messages',
  /** Per conversation: the last sequence number processed and acknowledged. */
  'cursors',
  /** Messages accepted locally and not yet acknowledged by the server (see Outbox). */
  'outbox',
] as const;
export type Collection = (typeof COLLECTIONS)[number];

export type StoreOperation =
  | {
      readonly type: 'put';
      readonly collection: Collection;
      readonly key: string;
      readonly value: Uint8Array;
    }
  | { readonly type: 'delete'; readonly collection: Collection; readonly key: string };

export interface ListOptions {
  /** Only keys that start with this prefix. */
  readonly prefix?: string;
}

/** What a store accepts; larger inputs are refused with a LocalStoreError before anything is written. */
export interface StoreLimits {
  /** Keys have 1 to this many UTF-16 code units and are well-formed Unicode. */
  readonly maxKeyLength: number;
  readonly maxValueBytes: number;
  readonly maxTransactionOperations: number;
  /** The sum of the values a transaction puts. */
  readonly maxTransactionBytes: number;
}

/** The limits of the storage backends (memory, files); wrappers such as EncryptedStore derive theirs. */
export const BACKEND_STORE_LIMITS: StoreLimits = {
  maxKeyLength: 256,
  maxValueBytes: 16 * 1024 * 1024,
  maxTransactionOperations: 1024,
  maxTransactionBytes: 64 * 1024 * 1024,
};

export interface LocalStore {
  readonly limits: StoreLimits;
  /** The value, or null when the key has none. */
  get(collection: Collection, key: string): Promise<Uint8Array | null>;
  put(collection: Collection, key: string, value: Uint8Array): Promise<void>;
  /** Deleting a key that has no value is not an error. */
  delete(collection: Collection, key: string): Promise<void>;
  /** The keys of a collection in code-unit order (JavaScript's string order, as IndexedDB's). */
  list(collection: Collection, options?: ListOptions): Promise<string[]>;
  /**
   * Applies every operation, in order, or none of them: after a crash or a refusal the store
   * shows the state before the transaction or the state after it, never a mix.
   */
  transaction(operations: readonly StoreOperation[]): Promise<void>;
  /** Waits for running operations; every later call is refused with code 'closed'. */
  close(): Promise<void>;
}
