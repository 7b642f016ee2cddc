import {
  COLLECTIONS,
  type Collection,
  type StoreLimits,
  type StoreOperation,
} from './local-store.js';
import { LocalStoreError } from './local-store-error.js';

const LONE_SURROGATE = /\p{Surrogate}/u;
const collectionNames: ReadonlySet<string> = new Set(COLLECTIONS);

export function isCollection(value: unknown): value is Collection {
  return typeof value === 'string' && collectionNames.has(value);
}

/** Checked at run time too: names and keys may come from JavaScript callers or from disk. */
export function validateCollection(collection: unknown): asserts collection is Collection {
  if (!isCollection(collection)) {
    throw new LocalStoreError(
      'invalid_collection',
      `unknown collection ${JSON.stringify(collection)}`,
    );
  }
}

export function isValidKey(key: unknown, limits: StoreLimits): key is string {
  return (
    typeof key === 'string' &&
    key.length > 0 &&
    key.length <= limits.maxKeyLength &&
    !LONE_SURROGATE.test(key)
  );
}

export function validateKey(key: unknown, limits: StoreLimits): asserts key is string {
  if (!isValidKey(key, limits)) {
    throw new LocalStoreError(
      'invalid_key',
      `a key has 1 to ${limits.maxKeyLength} characters of well-formed Unicode`,
    );
  }
}

export function validatePrefix(prefix: unknown, limits: StoreLimits): asserts prefix is string {
  if (
    typeof prefix !== 'string' ||
    prefix.length > limits.maxKeyLength ||
    LONE_SURROGATE.test(prefix)
  ) {
    throw new LocalStoreError(
      'invalid_key',
      `a prefix has at most ${limits.maxKeyLength} characters of well-formed Unicode`,
    );
  }
}

export function validateValue(value: unknown, limits: StoreLimits): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new LocalStoreError('invalid_value', 'a value is a Uint8Array');
  }
  if (value.length > limits.maxValueBytes) {
    throw new LocalStoreError(
      'value_too_large',
      `a value has at most ${limits.maxValueBytes} bytes, not ${value.length}`,
    );
  }
}

export function validateRecord(collection: unknown, key: unknown, limits: StoreLimits): void {
  validateCollection(collection);
  validateKey(key, limits);
}

/** Checks every operation before any is applied, so a refused transaction changes nothing. */
export function validateTransaction(
  operations: readonly StoreOperation[],
  limits: StoreLimits,
): void {
  if (operations.length > limits.maxTransactionOperations) {
    throw new LocalStoreError(
      'transaction_too_large',
      `a transaction has at most ${limits.maxTransactionOperations} operations, not ${operations.length}`,
    );
  }
  let totalBytes = 0;
  for (const operation of operations) {
    validateRecord(operation.collection, operation.key, limits);
    const type: unknown = operation.type;
    if (type === 'put') {
      const { value } = operation as Extract<StoreOperation, { type: 'put' }>;
      validateValue(value, limits);
      totalBytes += value.length;
    } else if (type !== 'delete') {
      throw new LocalStoreError('invalid_value', `unknown operation type ${JSON.stringify(type)}`);
    }
  }
  if (totalBytes > limits.maxTransactionBytes) {
    throw new LocalStoreError(
      'transaction_too_large',
      `a transaction puts at most ${limits.maxTransactionBytes} bytes, not ${totalBytes}`,
    );
  }
}
