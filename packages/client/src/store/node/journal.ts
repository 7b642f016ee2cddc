import { constantTimeEqual, sha256 } from '@amtsbote/crypto';
import type { StoreLimits, StoreOperation } from '../local-store.js';
import { LocalStoreError } from '../local-store-error.js';
import { isCollection, validateTransaction } from '../store-validation.js';

/**
 * The redo journal of a FileStore transaction: every operation with its value, written and
 * synced before the first record changes, so a crash is followed by a replay to the end.
 *
 *     magic | u32 body length | SHA-256(body) | body
 *     body: u32 count | count × (u8 kind | u8 collection length | collection |
 *                                u16 key length | key (UTF-8) | put: u32 value length | value)
 *
 * The digest catches a journal damaged on disk; the store then refuses to open rather than
 * apply half a transaction.
 */

const MAGIC = new TextEncoder().encode('amtsbote-journal-v1\n');
const DIGEST_BYTES = 32;
const HEADER_BYTES = MAGIC.length + 4 + DIGEST_BYTES;
const OPERATION_KIND = { put: 1, delete: 2 } as const;
/** Fixed bytes of an operation besides its collection name, key and value. */
const OPERATION_FRAME_BYTES = 1 + 1 + 2 + 4;
const MAX_COLLECTION_NAME_BYTES = 32;
/** A key of maxKeyLength UTF-16 code units has at most three UTF-8 bytes per unit. */
const MAX_UTF8_BYTES_PER_CODE_UNIT = 3;

/** The largest journal a transaction within these limits can produce. */
export function maxJournalBytes(limits: StoreLimits): number {
  const perOperation =
    OPERATION_FRAME_BYTES +
    MAX_COLLECTION_NAME_BYTES +
    limits.maxKeyLength * MAX_UTF8_BYTES_PER_CODE_UNIT;
  return (
    HEADER_BYTES + 4 + limits.maxTransactionOperations * perOperation + limits.maxTransactionBytes
  );
}

function corrupt(message: string, cause?: unknown): LocalStoreError {
  return new LocalStoreError('corrupt_journal', `transaction journal: ${message}`, { cause });
}

export async function encodeJournal(
  operations: readonly StoreOperation[],
): Promise<Uint8Array<ArrayBuffer>> {
  const encoder = new TextEncoder();
  const encoded = operations.map((operation) => ({
    operation,
    collection: encoder.encode(operation.collection),
    key: encoder.encode(operation.key),
  }));
  const bodyBytes = encoded.reduce(
    (sum, { operation, collection, key }) =>
      sum +
      OPERATION_FRAME_BYTES -
      (operation.type === 'put' ? 0 : 4) +
      collection.length +
      key.length +
      (operation.type === 'put' ? operation.value.length : 0),
    4,
  );
  const body = new Uint8Array(bodyBytes);
  const view = new DataView(body.buffer);
  view.setUint32(0, operations.length);
  let at = 4;
  for (const { operation, collection, key } of encoded) {
    view.setUint8(at, OPERATION_KIND[operation.type]);
    view.setUint8(at + 1, collection.length);
    body.set(collection, at + 2);
    at += 2 + collection.length;
    view.setUint16(at, key.length);
    body.set(key, at + 2);
    at += 2 + key.length;
    if (operation.type === 'put') {
      view.setUint32(at, operation.value.length);
      body.set(operation.value, at + 4);
      at += 4 + operation.value.length;
    }
  }
  const journal = new Uint8Array(HEADER_BYTES + body.length);
  journal.set(MAGIC, 0);
  new DataView(journal.buffer).setUint32(MAGIC.length, body.length);
  journal.set(await sha256(body), MAGIC.length + 4);
  journal.set(body, HEADER_BYTES);
  return journal;
}

class Reader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #at = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get isAtEnd(): boolean {
    return this.#at === this.#bytes.length;
  }

  #take(length: number): number {
    if (this.#at + length > this.#bytes.length) throw corrupt('ends early');
    const at = this.#at;
    this.#at += length;
    return at;
  }

  u8(): number {
    return this.#view.getUint8(this.#take(1));
  }

  u16(): number {
    return this.#view.getUint16(this.#take(2));
  }

  u32(): number {
    return this.#view.getUint32(this.#take(4));
  }

  bytes(length: number): Uint8Array {
    const at = this.#take(length);
    return this.#bytes.slice(at, at + length);
  }
}

/** Parses and verifies a journal read from disk: untrusted bytes, checked against the limits. */
export async function decodeJournal(
  journal: Uint8Array,
  limits: StoreLimits,
): Promise<StoreOperation[]> {
  if (journal.length < HEADER_BYTES) throw corrupt('shorter than its header');
  if (!constantTimeEqual(journal.subarray(0, MAGIC.length), MAGIC)) throw corrupt('unknown format');
  const reader = new Reader(journal);
  reader.bytes(MAGIC.length);
  const bodyLength = reader.u32();
  const digest = reader.bytes(DIGEST_BYTES);
  if (bodyLength !== journal.length - HEADER_BYTES) throw corrupt('length does not match');
  const body = journal.slice(HEADER_BYTES);
  if (!constantTimeEqual(await sha256(body), digest)) throw corrupt('digest does not match');

  const decoder = new TextDecoder('utf-8', { fatal: true });
  const text = (bytes: Uint8Array): string => {
    try {
      return decoder.decode(bytes);
    } catch (error) {
      throw corrupt('a name is not UTF-8', error);
    }
  };
  const bodyReader = new Reader(body);
  const count = bodyReader.u32();
  if (count > limits.maxTransactionOperations) throw corrupt('too many operations');
  const operations: StoreOperation[] = [];
  for (let i = 0; i < count; i++) {
    const kind = bodyReader.u8();
    const collection = text(bodyReader.bytes(bodyReader.u8()));
    const key = text(bodyReader.bytes(bodyReader.u16()));
    if (!isCollection(collection)) throw corrupt(`unknown collection ${collection}`);
    if (kind === OPERATION_KIND.put) {
      const length = bodyReader.u32();
      if (length > limits.maxValueBytes) throw corrupt('a value is too large');
      operations.push({ type: 'put', collection, key, value: bodyReader.bytes(length) });
    } else if (kind === OPERATION_KIND.delete) {
      operations.push({ type: 'delete', collection, key });
    } else {
      throw corrupt(`unknown operation kind ${kind}`);
    }
  }
  if (!bodyReader.isAtEnd) throw corrupt('has trailing bytes');
  try {
    validateTransaction(operations, limits);
  } catch (error) {
    throw corrupt('holds an operation outside the limits', error);
  }
  return operations;
}
