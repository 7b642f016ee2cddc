import { z } from 'zod';
import { JsonCollection } from '../store/json-collection.js';
import type { LocalStore, StoreOperation } from '../store/local-store.js';

/*
 * Who acknowledged a post and when, in the 'messages' collection under
 *   k/<conversation>/<message id>
 * next to the message record (whose acknowledgedBy lists the same users, without times). One
 * entry per user: the first acknowledgement counts, repeats change nothing.
 */

const ackKey = (conversationId: string, messageId: string): string =>
  `k/${conversationId}/${messageId}`;

const acknowledgementSchema = z.strictObject({
  userId: z.uuid(),
  /** The server's time of the acknowledging message. */
  at: z.string(),
});
export type Acknowledgement = z.infer<typeof acknowledgementSchema>;

const ackRecordSchema = z.strictObject({
  v: z.literal(1),
  acknowledgements: z.array(acknowledgementSchema),
});

export class AcknowledgementStore {
  readonly #records: JsonCollection<z.infer<typeof ackRecordSchema>>;

  constructor(store: LocalStore) {
    this.#records = new JsonCollection(store, 'messages', ackRecordSchema);
  }

  /** Oldest first. */
  async list(conversationId: string, messageId: string): Promise<Acknowledgement[]> {
    return (await this.#records.get(ackKey(conversationId, messageId)))?.acknowledgements ?? [];
  }

  /** The write that adds the user's acknowledgement; null when they acknowledged before. */
  async addOperation(
    conversationId: string,
    messageId: string,
    acknowledgement: Acknowledgement,
  ): Promise<StoreOperation | null> {
    const existing = await this.list(conversationId, messageId);
    if (existing.some((a) => a.userId === acknowledgement.userId)) return null;
    return this.#records.putOperation(ackKey(conversationId, messageId), {
      v: 1,
      acknowledgements: [...existing, acknowledgement],
    });
  }
}
