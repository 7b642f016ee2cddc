import type { z } from 'zod';
import type { Collection, ListOptions, LocalStore, StoreOperation } from './local-store.js';
import { LocalStoreError } from './local-store-error.js';

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map(
      (issue) => `${issue.path.length === 0 ? '(root)' : issue.path.join('.')}: ${issue.message}`,
    )
    .join('; ');
}

/**
 * Typed records over a LocalStore collection, stored as UTF-8 JSON. What is read from storage
 * is untrusted input: it is parsed with the schema, and a record that does not match is refused
 * as corrupt, naming each bad field. What is written is checked the same way first, so the
 * collection never holds a record it could not read back.
 */
export class JsonCollection<T> {
  readonly #store: LocalStore;
  readonly #collection: Collection;
  readonly #schema: z.ZodType<T>;

  constructor(store: LocalStore, collection: Collection, schema: z.ZodType<T>) {
    this.#store = store;
    this.#collection = collection;
    this.#schema = schema;
  }

  #parse(key: string, json: unknown, code: 'corrupt_record' | 'invalid_value'): T {
    const parsed = this.#schema.safeParse(json);
    if (!parsed.success) {
      throw new LocalStoreError(
        code,
        `record ${this.#collection}/${key} does not match its schema: ${describeIssues(parsed.error)}`,
        { cause: parsed.error },
      );
    }
    return parsed.data;
  }

  #encode(key: string, value: T): Uint8Array {
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) {
      throw new LocalStoreError('invalid_value', `record ${this.#collection}/${key} is not JSON`);
    }
    this.#parse(key, JSON.parse(text), 'invalid_value');
    return new TextEncoder().encode(text);
  }

  #decode(key: string, bytes: Uint8Array): T {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (error) {
      throw new LocalStoreError(
        'corrupt_record',
        `record ${this.#collection}/${key} is not UTF-8 JSON`,
        { cause: error },
      );
    }
    return this.#parse(key, json, 'corrupt_record');
  }

  async get(key: string): Promise<T | null> {
    const bytes = await this.#store.get(this.#collection, key);
    return bytes === null ? null : this.#decode(key, bytes);
  }

  async put(key: string, value: T): Promise<void> {
    await this.#store.put(this.#collection, key, this.#encode(key, value));
  }

  async delete(key: string): Promise<void> {
    await this.#store.delete(this.#collection, key);
  }

  async keys(options: ListOptions = {}): Promise<string[]> {
    return this.#store.list(this.#collection, options);
  }

  /** A put for LocalStore.transaction, to combine with other collections' changes atomically. */
  putOperation(key: string, value: T): StoreOperation {
    return { type: 'put', collection: this.#collection, key, value: this.#encode(key, value) };
  }

  deleteOperation(key: string): StoreOperation {
    return { type: 'delete', collection: this.#collection, key };
  }
}
