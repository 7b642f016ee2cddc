import { z } from 'zod';
import { JsonCollection } from '../store/json-collection.js';
import type { LocalStore, StoreOperation } from '../store/local-store.js';

/*
 * Per conversation, the highest seq this device has processed, in the 'cursors' collection.
 * Every event at or below it is a duplicate. Written in the same transaction as the group state
 * and the message an event produced, so a crash cannot process an event twice or skip one.
 */

const cursorSchema = z.strictObject({ v: z.literal(1), seq: z.number().int().min(0) });

export class CursorStore {
  readonly #records: JsonCollection<z.infer<typeof cursorSchema>>;
  readonly #cache = new Map<string, number>();

  constructor(store: LocalStore) {
    this.#records = new JsonCollection(store, 'cursors', cursorSchema);
  }

  /** 0 for a conversation without events yet. */
  async get(conversationId: string): Promise<number> {
    const cached = this.#cache.get(conversationId);
    if (cached !== undefined) return cached;
    const seq = (await this.#records.get(conversationId))?.seq ?? 0;
    this.#cache.set(conversationId, seq);
    return seq;
  }

  operation(conversationId: string, seq: number): StoreOperation {
    return this.#records.putOperation(conversationId, { v: 1, seq });
  }

  /** Call after the transaction holding operation() committed. */
  remember(conversationId: string, seq: number): void {
    this.#cache.set(conversationId, seq);
  }
}
