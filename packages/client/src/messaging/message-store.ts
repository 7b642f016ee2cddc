import { messageContentSchema } from '@amtsbote/protocol';
import { z } from 'zod';
import { JsonCollection } from '../store/json-collection.js';
import type { LocalStore, StoreOperation } from '../store/local-store.js';
import { PendingControls } from './pending-controls.js';

/*
 * Decrypted messages in the 'messages' collection. Keys hold only ids and sequence numbers:
 *   m/<conversation>/<message id>  a message shown in the timeline (text, metadata)
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

export class MessageStore {
  readonly #messages: JsonCollection<MessageRecord>;
  readonly #controls: JsonCollection<z.infer<typeof controlRecordSchema>>;
  readonly #failures: JsonCollection<FailureRecord>;
  readonly #reads: JsonCollection<z.infer<typeof readMarkersSchema>>;
  /** Changes to messages this device does not hold (yet): see pending-controls.ts. */
  readonly pendingControls: PendingControls;

  constructor(store: LocalStore) {
    this.pendingControls = new PendingControls(store);
    this.#messages = new JsonCollection(store, 'messages', messageRecordSchema);
    this.#controls = new JsonCollection(store, 'messages', controlRecordSchema);
    this.#failures = new JsonCollection(store, 'messages', failureRecordSchema);
    this.#reads = new JsonCollection(store, 'messages', readMarkersSchema);
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

  messageOperation(record: MessageRecord): StoreOperation {
    return this.#messages.putOperation(
      `${messagePrefix(record.conversationId)}${record.messageId}`,
      record,
    );
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

  async failures(conversationId: string): Promise<FailureRecord[]> {
    const records: FailureRecord[] = [];
    for (const key of await this.#failures.keys({ prefix: failurePrefix(conversationId) })) {
      const record = await this.#failures.get(key);
      if (record !== null) records.push(record);
    }
    return records;
  }
}
