import type { MlsGroup } from '@amtsbote/crypto';
import {
  CONTENT_VERSION,
  decodeApplicationPayload,
  encodeApplicationPayload,
  type MessageContentInput,
  type MessageId,
  type MessageIntent,
} from '@amtsbote/protocol';
import type { OutboxEntry } from '../store/outbox.js';
import type { SerialQueue } from '../store/serial-queue.js';
import { maySend } from './channel-rules.js';
import { commitStep, emptyStep, type EngineContext } from './engine-context.js';
import type { EventStream } from './event-stream.js';
import type { LiveConnection } from './live-connection.js';
import { intentOf } from './message-intent.js';
import type { SentPosition } from './messaging-api.js';
import { MessagingError } from './messaging-error.js';
import { errorCode } from './messaging-events.js';
import { ownMessageStep } from './own-message.js';
import { classifyFailure } from './send-errors.js';

/** Re-encryptions after epoch conflicts before the message is left for a later attempt. */
const MAX_SEND_ATTEMPTS = 5;

export interface SentMessage {
  readonly conversationId: string;
  readonly messageId: string;
  readonly seq: number;
  readonly sentAt: string;
}

export interface MessageSenderOptions {
  readonly live: () => LiveConnection | null;
  readonly sendTimeoutMs: number;
  readonly newMessageId: () => string;
  /** The organization's read-receipt policy as last read (organization-policy.ts). */
  readonly allowsReadReceipts: () => Promise<boolean>;
}

/** Outbox entries keep only the payload: the intent follows from its content type. */
function intentOfEntry(entry: OutboxEntry): MessageIntent {
  try {
    return intentOf(decodeApplicationPayload(entry.payload).content);
  } catch {
    // Written by this client, so only a damaged store gets here; the server stays the judge.
    return 'post';
  }
}

function isReadReceipt(entry: OutboxEntry): boolean {
  try {
    return decodeApplicationPayload(entry.payload).content.type === 'read';
  } catch {
    return false;
  }
}

/*
 * Sending: the plaintext payload goes into the durable outbox first; then it is encrypted with
 * the group's current epoch (the advanced ratchet is stored before anything leaves), sent over
 * the WebSocket when connected or else over HTTP, and marked sent only once the server answered
 * with its seq. An epoch conflict means a commit came first: sync, encrypt again, send again
 * under the SAME message id, which the server stores at most once.
 */
export class MessageSender {
  readonly #ctx: EngineContext;
  readonly #lock: SerialQueue;
  readonly #stream: EventStream;
  readonly #options: MessageSenderOptions;
  readonly #inFlight = new Map<string, Promise<SentMessage>>();

  constructor(
    ctx: EngineContext,
    lock: SerialQueue,
    stream: EventStream,
    options: MessageSenderOptions,
  ) {
    this.#ctx = ctx;
    this.#lock = lock;
    this.#stream = stream;
    this.#options = options;
  }

  async send(conversationId: string, content: MessageContentInput): Promise<SentMessage> {
    const group = await this.#ctx.groups.group(conversationId);
    if (group === null) {
      throw new MessagingError('conversation_not_found', 'no such conversation on this device');
    }
    if (group.isRemoved) throw new MessagingError('not_in_group', 'this device was removed');
    if (!(await this.#maySend(conversationId, content))) {
      throw new MessagingError('not_a_poster', 'only owners and posters post in this channel');
    }
    const messageId = this.#options.newMessageId();
    let payload: Uint8Array;
    try {
      payload = encodeApplicationPayload({
        v: CONTENT_VERSION,
        messageId,
        sentAt: this.#ctx.now().toISOString(),
        content,
      });
    } catch (error) {
      throw new MessagingError('invalid_request', 'the content is not valid', { cause: error });
    }
    const entry = await this.#ctx.outbox.enqueue({
      conversationId: conversationId as OutboxEntry['conversationId'],
      messageId: messageId as MessageId,
      payload,
    });
    return this.deliver(entry);
  }

  /** By the server's roster; when it cannot be read now, the server decides when it gets it. */
  async #maySend(conversationId: string, content: MessageContentInput): Promise<boolean> {
    try {
      return await maySend(this.#ctx, conversationId, content);
    } catch (error) {
      if (classifyFailure(error) === 'transient') return true;
      throw error;
    }
  }

  /**
   * Sends every pending outbox entry, oldest first; stops at the first that must wait. A read
   * receipt that waited while the organization switched receipts off is withdrawn, unsent.
   */
  async flush(): Promise<void> {
    for (const entry of await this.#ctx.outbox.pending()) {
      if (isReadReceipt(entry) && !(await this.#options.allowsReadReceipts())) {
        // Taken out of the outbox like a sent entry; the user's own marker already moved.
        await this.#ctx.outbox.markSent(entry.messageId);
        continue;
      }
      try {
        await this.deliver(entry);
      } catch (error) {
        if (error instanceof MessagingError && error.code === 'send_refused') continue;
        throw error;
      }
    }
  }

  /** One delivery per message at a time; a second caller waits for the first. */
  async deliver(entry: OutboxEntry): Promise<SentMessage> {
    const running = this.#inFlight.get(entry.messageId);
    if (running !== undefined) return running;
    const delivery = this.#deliver(entry).finally(() => {
      this.#inFlight.delete(entry.messageId);
    });
    this.#inFlight.set(entry.messageId, delivery);
    return delivery;
  }

  async #deliver(entry: OutboxEntry): Promise<SentMessage> {
    for (let attempt = 1; attempt <= MAX_SEND_ATTEMPTS; attempt++) {
      let position: SentPosition;
      try {
        const encrypted = await this.#lock.run(() => this.#encrypt(entry));
        position = await this.#transmit(entry, encrypted);
      } catch (error) {
        const kind = classifyFailure(error);
        if (kind === 'epoch_conflict') {
          await this.#stream.sync();
          continue;
        }
        if (kind === 'refused') await this.#refuse(entry, errorCode(error));
        throw new MessagingError(
          kind === 'refused' ? 'send_refused' : 'send_pending',
          kind === 'refused' ? 'the message was refused' : 'the message waits in the outbox',
          { cause: error },
        );
      }
      await this.#lock.run(() => this.#recordSent(entry, position));
      return { conversationId: entry.conversationId, messageId: entry.messageId, ...position };
    }
    throw new MessagingError('send_pending', 'commits kept winning; the message waits');
  }

  async #encrypt(entry: OutboxEntry): Promise<{ epoch: number; ciphertext: Uint8Array }> {
    const group: MlsGroup | null = await this.#ctx.groups.group(entry.conversationId);
    if (group === null) {
      throw new MessagingError('conversation_not_found', 'no such conversation on this device');
    }
    const { bytes, newGroup } = await group.encrypt(entry.payload);
    // The used message key must never be used again, even if this process dies right now.
    await commitStep(this.#ctx, { ...emptyStep(entry.conversationId), group: newGroup });
    return { epoch: group.epoch, ciphertext: bytes };
  }

  async #transmit(
    entry: OutboxEntry,
    encrypted: { epoch: number; ciphertext: Uint8Array },
  ): Promise<SentPosition> {
    const message = { messageId: entry.messageId, intent: intentOfEntry(entry), ...encrypted };
    const live = this.#options.live();
    if (live?.isConnected === true) {
      try {
        const sent = await live.send(
          {
            conversationId: entry.conversationId,
            messageId: entry.messageId,
            epoch: message.epoch,
            intent: message.intent,
          },
          encrypted.ciphertext,
          this.#options.sendTimeoutMs,
        );
        return { seq: sent.seq, sentAt: sent.sentAt };
      } catch (error) {
        // Lost with the connection: HTTP is safe, the server stores a message id only once.
        if (classifyFailure(error) !== 'transient') throw error;
      }
    }
    return this.#ctx.api.sendMessage(entry.conversationId, message);
  }

  async #recordSent(entry: OutboxEntry, position: SentPosition): Promise<void> {
    const { conversationId, messageId } = entry;
    // Earlier events first: a reaction or read marker applies to messages before it. The sync
    // records this message too, from its echo, when it gets there.
    await this.#stream.catchUpUnlocked(conversationId, position.seq);
    const cursor = await this.#ctx.cursors.get(conversationId);
    const step = (await ownMessageStep(this.#ctx, { conversationId, messageId, ...position })) ?? {
      ...emptyStep(conversationId),
      sentMessageId: messageId,
    };
    const isNext = position.seq === cursor + 1;
    await commitStep(this.#ctx, { ...step, cursor: isNext ? position.seq : null });
    if (isNext) await this.#stream.acknowledge([{ conversationId, seq: position.seq }]);
  }

  async #refuse(entry: OutboxEntry, code: string): Promise<void> {
    await this.#ctx.outbox.markSent(entry.messageId);
    this.#ctx.hub.emit({
      type: 'send_failed',
      conversationId: entry.conversationId,
      messageId: entry.messageId,
      code,
    });
  }
}
