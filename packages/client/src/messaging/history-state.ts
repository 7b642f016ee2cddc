import { z } from 'zod';
import { JsonCollection } from '../store/json-collection.js';
import type { LocalStore, StoreOperation } from '../store/local-store.js';

/*
 * What this device knows about its user's history backup, in the 'messages' collection:
 *   hb/<conversation>/<block>  the digest of the block's content as the server holds it (as far
 *                              as this device knows) and its revision, so that a block is sent
 *                              only when its content changed, and conditionally on that revision
 *   hf/<conversation>          the seq at which this device joined the conversation (its floor:
 *                              it received everything after it) and whether the history before
 *                              it still needs to be restored
 */

const BLOCK_DIGITS = 15;
const blockPrefix = (conversationId: string): string => `hb/${conversationId}/`;
const blockKey = (conversationId: string, block: number): string =>
  `${blockPrefix(conversationId)}${String(block).padStart(BLOCK_DIGITS, '0')}`;
const floorKey = (conversationId: string): string => `hf/${conversationId}`;

const blockStateSchema = z.strictObject({
  v: z.literal(1),
  digest: z.string(),
  revision: z.number().int().min(0),
});
export type BlockState = Omit<z.infer<typeof blockStateSchema>, 'v'>;

const floorSchema = z.strictObject({
  v: z.literal(1),
  floor: z.number().int().min(0),
  isRestorePending: z.boolean(),
});
export type HistoryFloor = Omit<z.infer<typeof floorSchema>, 'v'>;

export class HistoryState {
  readonly #blocks: JsonCollection<z.infer<typeof blockStateSchema>>;
  readonly #floors: JsonCollection<z.infer<typeof floorSchema>>;

  constructor(store: LocalStore) {
    this.#blocks = new JsonCollection(store, 'messages', blockStateSchema);
    this.#floors = new JsonCollection(store, 'messages', floorSchema);
  }

  async blocks(conversationId: string): Promise<Map<number, BlockState>> {
    const states = new Map<number, BlockState>();
    const prefix = blockPrefix(conversationId);
    for (const key of await this.#blocks.keys({ prefix })) {
      const record = await this.#blocks.get(key);
      if (record !== null) {
        states.set(Number(key.slice(prefix.length)), {
          digest: record.digest,
          revision: record.revision,
        });
      }
    }
    return states;
  }

  blockOperation(conversationId: string, block: number, state: BlockState): StoreOperation {
    return this.#blocks.putOperation(blockKey(conversationId, block), { v: 1, ...state });
  }

  /** A device without a floor received the conversation from its start (it created it). */
  async floor(conversationId: string): Promise<HistoryFloor> {
    const record = await this.#floors.get(floorKey(conversationId));
    return record === null
      ? { floor: 0, isRestorePending: false }
      : { floor: record.floor, isRestorePending: record.isRestorePending };
  }

  floorOperation(conversationId: string, floor: HistoryFloor): StoreOperation {
    return this.#floors.putOperation(floorKey(conversationId), { v: 1, ...floor });
  }
}
