import { messageContentSchema } from '@amtsbote/protocol';
import { z } from 'zod';
import { JsonCollection } from '../store/json-collection.js';
import type { LocalStore, StoreOperation } from '../store/local-store.js';
import { PendingControls } from './pending-controls.js';
import { inWindow, seqOfKey, type SeqWindow } from './seq-window.js';

/*
 * Decrypted messages in the 'messages' collection. Keys hold only ids and sequence numbers:
 *   m/<conversation>/<message id>  a message shown in the timeline (text, metadata)
 *   s/<conversation>/<seq>/<id>    the timeline message at that seq: the index by which the
 *                                  timeline is read a page at a time (an empty record)
 *   c/<conversation>/<message id>  a control message (edit, delete, reaction, read, acknowledge),
 *                                  kept so a message id is recognised when it comes again
 *   f/<conversation>/<seq>         an event that could not be decrypted or was invalid
 *   r/<conversation>               read markers of the conversation's members
 *   k/<conversation>/<message id>  who acknowledged the message and when (acknowledgement-store.ts)
 */

const SEQ_DIGITS = 16;
const padSeq = (seq: number): string => String(seq).padStart(SEQ_DIGITS, '0');
const messagePrefix = (conversationId: string): string => `m/${conversationId}/`;
const controlKey = (conversationId: string, messageId: string): string =>
  `c/${conversationId}/${messageId}`;
const failurePrefix = (conversationId: string): string => `f/${conversationId}/`;
const readKey = (conversationId: string): string => `r/${conversationId}`;
const indexPrefix = (conversationId: string): string => `s/${conversationId}/`;
const indexKey = (conversationId: string, seq: number, messageId: string): string =>
  `${indexPrefix(conversationId)}${padSeq(seq)}/${messageId}`;
/** The seq and message id an index key names: its last two parts. */
function indexEntry(key: string): { readonly seq: number; readonly messageId: string } {
  const parts = key.split('/');
  return { seq: Number(parts.at(-2)), messageId: parts.at(-1) ?? '' };
}

const messageRecordSchema = z.strictObject({
  v: z.literal(1),
  conversationId: z.uuid(),
  messageId: z.uuid(),
  seq: z.number().int().min(0),
  /** The server's time of storage. */
  sentAt: z.string(),
  senderUserId: z.uuid(),
  senderDeviceId: z.uuid(),
  /** null once deleted: the content is erased, the tombstone stays. */
  content: messageContentSchema.nullable(),
  isDeleted: z.boolean(),
  editedAt: z.string().nullable(),
  /** Emoji → the users who reacted with it. */
  reactions: z.record(z.string(), z.array(z.uuid())),
  acknowledgedBy: z.array(z.uuid()),
});
export type MessageRecord = z.infer<typeof messageRecordSchema>;

const indexRecordSchema = z.strictObject({ v: z.literal(1) });

export interface MessagePage {
  readonly records: MessageRecord[];
  /** The lowest seq the page covers: where the next older page ends (exclusive). */
  readonly fromSeq: number;
  /** Whether the window holds older messages than the page. */
  readonly hasOlder: boolean;
}

const controlRecordSchema = z.strictObject({ v: z.literal(1), seq: z.number().int().min(0) });

const failureRecordSchema = z.strictObject({
  v: z.literal(1),
  conversationId: z.uuid(),
  seq: z.number().int().min(0),
  eventType: z.enum(['commit', 'message', 'welcome']),
  messageId: z.uuid().nullable(),
  senderDeviceId: z.uuid(),
  sentAt: z.string(),
  code: z.string(),
});
export type FailureRecord = z.infer<typeof failureRecordSchema>;

const readMarkersSchema = z.strictObject({
  v: z.literal(1),
  markers: z.record(z.uuid(), z.strictObject({ messageId: z.uuid(), seq: z.number().int() })),
});
export type ReadMarkers = z.infer<typeof readMarkersSchema>['markers'];

/** Rebuilding an index writes in transactions of this many records. */
const INDEX_OPERATIONS_PER_TRANSACTION = 500;

export class MessageStore {
  readonly #store: LocalStore;
  readonly #messages: JsonCollection<MessageRecord>;
  readonly #controls: JsonCollection<z.infer<typeof controlRecordSchema>>;
  readonly #failures: JsonCollection<FailureRecord>;
  readonly #reads: JsonCollection<z.infer<typeof readMarkersSchema>>;
  readonly #index: JsonCollection<z.infer<typeof indexRecordSchema>>;
  /** Conversations whose seq index was found complete since this store was opened. */
  readonly #indexChecked = new Set<string>();
  /** Changes to messages this device does not hold (yet): see pending-controls.ts. */
  readonly pendingControls: PendingControls;

  constructor(store: LocalStore) {
    this.#store = store;
    this.pendingControls = new PendingControls(store);
    this.#messages = new JsonCollection(store, 'messages', messageRecordSchema);
    this.#controls = new JsonCollection(store, 'messages', controlRecordSchema);
    this.#failures = new JsonCollection(store, 'messages', failureRecordSchema);
    this.#reads = new JsonCollection(store, 'messages', readMarkersSchema);
    this.#index = new JsonCollection(store, 'messages', indexRecordSchema);
  }

  async message(conversationId: string, messageId: string): Promise<MessageRecord | null> {
    return this.#messages.get(`${messagePrefix(conversationId)}${messageId}`);
  }

  /** The seq at which this message id was processed, or null when it is new. */
  async seenAt(conversationId: string, messageId: string): Promise<number | null> {
    const message = await this.message(conversationId, messageId);
    if (message !== null) return message.seq;
    return (await this.#controls.get(controlKey(conversationId, messageId)))?.seq ?? null;
  }

  /** Writes the message and its entry in the seq index. */
  messageOperations(record: MessageRecord): StoreOperation[] {
    return [
      this.#messages.putOperation(
        `${messagePrefix(record.conversationId)}${record.messageId}`,
        record,
      ),
      this.#index.putOperation(indexKey(record.conversationId, record.seq, record.messageId), {
        v: 1,
      }),
    ];
  }

  controlOperation(conversationId: string, messageId: string, seq: number): StoreOperation {
    return this.#controls.putOperation(controlKey(conversationId, messageId), { v: 1, seq });
  }

  failureOperation(record: FailureRecord): StoreOperation {
    return this.#failures.putOperation(
      `${failurePrefix(record.conversationId)}${padSeq(record.seq)}`,
      record,
    );
  }

  async readMarkers(conversationId: string): Promise<ReadMarkers> {
    return (await this.#reads.get(readKey(conversationId)))?.markers ?? {};
  }

  readMarkersOperation(conversationId: string, markers: ReadMarkers): StoreOperation {
    return this.#reads.putOperation(readKey(conversationId), { v: 1, markers });
  }

  async messages(conversationId: string): Promise<MessageRecord[]> {
    const records: MessageRecord[] = [];
    for (const key of await this.#messages.keys({ prefix: messagePrefix(conversationId) })) {
      const record = await this.#messages.get(key);
      if (record !== null) records.push(record);
    }
    return records.sort((a, b) => a.seq - b.seq);
  }

  /**
   * The newest `limit` messages of the window, in seq order, read through the seq index: opening
   * a conversation reads one page, not every message it ever had.
   */
  async messagePage(conversationId: string, window: SeqWindow): Promise<MessagePage> {
    await this.#ensureIndex(conversationId);
    const entries = (await this.#index.keys({ prefix: indexPrefix(conversationId) }))
      .map(indexEntry)
      .filter((entry) => inWindow(entry.seq, window));
    const limit = window.limit ?? Number.POSITIVE_INFINITY;
    const hasOlder = entries.length > limit;
    const taken = hasOlder ? entries.slice(entries.length - limit) : entries;
    const found = await Promise.all(
      taken.map(async (entry) => {
        const record = await this.message(conversationId, entry.messageId);
        // An entry whose message moved to another seq (a restored history's order) is stale.
        return record !== null && record.seq === entry.seq ? record : null;
      }),
    );
    const first = taken[0];
    return {
      records: found.filter((record) => record !== null),
      fromSeq: hasOlder && first !== undefined ? first.seq : (window.afterSeq ?? -1) + 1,
      hasOlder,
    };
  }

  /** The events that could not be decrypted, in the window (`limit` is not applied). */
  async failures(conversationId: string, window: SeqWindow = {}): Promise<FailureRecord[]> {
    const records: FailureRecord[] = [];
    for (const key of await this.#failures.keys({ prefix: failurePrefix(conversationId) })) {
      if (!inWindow(seqOfKey(key), window)) continue;
      const record = await this.#failures.get(key);
      if (record !== null) records.push(record);
    }
    return records;
  }

  /**
   * Makes the seq index match the messages, once per conversation while this store is open:
   * messages stored before the index existed, or an index cut short by an interruption, are
   * indexed again; entries of messages that moved are dropped.
   */
  async #ensureIndex(conversationId: string): Promise<void> {
    if (this.#indexChecked.has(conversationId)) return;
    const [messageKeys, indexKeys] = await Promise.all([
      this.#messages.keys({ prefix: messagePrefix(conversationId) }),
      this.#index.keys({ prefix: indexPrefix(conversationId) }),
    ]);
    if (messageKeys.length !== indexKeys.length) {
      const wanted = new Set(
        (await this.messages(conversationId)).map((m) =>
          indexKey(conversationId, m.seq, m.messageId),
        ),
      );
      const operations: StoreOperation[] = indexKeys
        .filter((key) => !wanted.has(key))
        .map((key) => this.#index.deleteOperation(key));
      for (const key of wanted) operations.push(this.#index.putOperation(key, { v: 1 }));
      for (let at = 0; at < operations.length; at += INDEX_OPERATIONS_PER_TRANSACTION) {
        await this.#store.transaction(operations.slice(at, at + INDEX_OPERATIONS_PER_TRANSACTION));
      }
    }
    this.#indexChecked.add(conversationId);
  }
}
