import { base64urlDecode, base64urlEncode, constantTimeEqual } from '@amtsbote/crypto';
import {
  MAX_APPLICATION_MESSAGE_BYTES,
  MAX_COMMIT_BYTES,
  type ConversationId,
  type MessageId,
} from '@amtsbote/protocol';
import { z } from 'zod';
import { JsonCollection } from './json-collection.js';
import type { LocalStore } from './local-store.js';
import { LocalStoreError } from './local-store-error.js';
import { SerialQueue } from './serial-queue.js';

/** The largest thing the client sends: a commit (application messages are smaller). */
export const MAX_OUTBOX_PAYLOAD_BYTES = Math.max(MAX_APPLICATION_MESSAGE_BYTES, MAX_COMMIT_BYTES);
/** A client that cannot reach its server stops accepting new messages here. */
export const MAX_OUTBOX_ENTRIES = 10_000;

export interface OutboxEntry {
  readonly conversationId: ConversationId;
  /** A UUID (globalThis.crypto.randomUUID), chosen once: a resend with it is stored once. */
  readonly messageId: MessageId;
  readonly payload: Uint8Array;
}

const OUTBOX_RECORD_VERSION = 1;

function isBase64url(text: string): boolean {
  try {
    base64urlDecode(text);
    return true;
  } catch {
    return false;
  }
}

/** Stored shape; version 1. A change of shape gets a new version and a migration. */
const outboxRecordSchema = z.strictObject({
  version: z.literal(OUTBOX_RECORD_VERSION),
  /** Enqueue order; pending() sorts by it. */
  position: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  conversationId: z.uuid(),
  messageId: z.uuid(),
  payload: z
    .string()
    .max(Math.ceil((MAX_OUTBOX_PAYLOAD_BYTES * 4) / 3))
    .refine(isBase64url, 'not canonical base64url'),
});
type OutboxRecord = z.infer<typeof outboxRecordSchema>;

const messageIdSchema = z.uuid();

function validateMessageId(messageId: string): void {
  if (!messageIdSchema.safeParse(messageId).success) {
    throw new LocalStoreError('invalid_key', 'a message id is a UUID');
  }
}

function toEntry(record: OutboxRecord): OutboxEntry {
  return {
    conversationId: record.conversationId as ConversationId,
    messageId: record.messageId as MessageId,
    payload: base64urlDecode(record.payload),
  };
}

/**
 * Messages waiting to be sent, kept in the 'outbox' collection so they survive a restart:
 * enqueue() returns only after the entry is stored; the entry stays until markSent(), which the
 * client calls when the server acknowledged it. Records are keyed by message id.
 */
export class Outbox {
  readonly #records: JsonCollection<OutboxRecord>;
  readonly #queue = new SerialQueue();
  /** Loaded from storage on first use; null until then. */
  #nextPosition: number | null = null;

  constructor(store: LocalStore) {
    this.#records = new JsonCollection(store, 'outbox', outboxRecordSchema);
  }

  async #readAll(): Promise<OutboxRecord[]> {
    const records: OutboxRecord[] = [];
    for (const key of await this.#records.keys()) {
      const record = await this.#records.get(key);
      if (record === null) continue;
      if (record.messageId !== key) {
        throw new LocalStoreError('corrupt_record', `outbox record ${key} names another message`);
      }
      records.push(record);
    }
    return records.sort((a, b) => a.position - b.position);
  }

  /** Stores the entry; resolves once it is durable. Enqueuing the same entry again is a no-op. */
  async enqueue(entry: OutboxEntry): Promise<OutboxEntry> {
    validateMessageId(entry.messageId);
    if (!messageIdSchema.safeParse(entry.conversationId).success) {
      throw new LocalStoreError('invalid_value', 'a conversation id is a UUID');
    }
    if (entry.payload.length > MAX_OUTBOX_PAYLOAD_BYTES) {
      throw new LocalStoreError(
        'value_too_large',
        `an outbox payload has at most ${MAX_OUTBOX_PAYLOAD_BYTES} bytes, not ${entry.payload.length}`,
      );
    }
    return this.#queue.run(async () => {
      const existing = await this.#records.get(entry.messageId);
      if (existing !== null) {
        const stored = toEntry(existing);
        if (
          stored.conversationId === entry.conversationId &&
          constantTimeEqual(stored.payload, entry.payload)
        ) {
          return stored;
        }
        throw new LocalStoreError(
          'message_id_conflict',
          `message ${entry.messageId} is already queued with other content`,
        );
      }
      if (this.#nextPosition === null) {
        const records = await this.#readAll();
        this.#nextPosition = (records.at(-1)?.position ?? -1) + 1;
      }
      const count = (await this.#records.keys()).length;
      if (count >= MAX_OUTBOX_ENTRIES) {
        throw new LocalStoreError('outbox_full', `the outbox holds ${count} unsent messages`);
      }
      await this.#records.put(entry.messageId, {
        version: OUTBOX_RECORD_VERSION,
        position: this.#nextPosition,
        conversationId: entry.conversationId,
        messageId: entry.messageId,
        payload: base64urlEncode(entry.payload),
      });
      this.#nextPosition += 1;
      return { ...entry, payload: entry.payload.slice() };
    });
  }

  /** Every unsent entry, oldest first. */
  async pending(): Promise<OutboxEntry[]> {
    return this.#queue.run(async () => (await this.#readAll()).map(toEntry));
  }

  /** Removes the entry; marking an unknown or already sent message is not an error. */
  async markSent(messageId: MessageId): Promise<void> {
    validateMessageId(messageId);
    await this.#queue.run(async () => {
      await this.#records.delete(messageId);
    });
  }
}
