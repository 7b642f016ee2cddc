import type { SerialQueue } from '../store/serial-queue.js';
import type { EngineContext } from './engine-context.js';
import type { MessageSender } from './message-sender.js';
import type { ReadMarkers } from './message-store.js';
import { MessagingError } from './messaging-error.js';
import type { PolicyCache } from './organization-policy.js';

/*
 * Read state: this device always keeps the user's own read marker; the organization's policy
 * decides whether the others learn it (a 'read' message) and whether their markers are shown.
 * With receipts off, markers other clients still send are stored but never shown.
 */
export class ReadReceipts {
  readonly #ctx: EngineContext;
  readonly #lock: SerialQueue;
  readonly #sender: MessageSender;
  readonly #policy: PolicyCache;

  constructor(ctx: EngineContext, lock: SerialQueue, sender: MessageSender, policy: PolicyCache) {
    this.#ctx = ctx;
    this.#lock = lock;
    this.#sender = sender;
    this.#policy = policy;
  }

  /**
   * Marks everything up to the message as read by this user; tells the other members only when
   * the policy allows read receipts. Never moves the marker back.
   */
  async markRead(conversationId: string, messageId: string): Promise<{ isReceiptSent: boolean }> {
    const { messages, account, store } = this.#ctx;
    await this.#lock.run(async () => {
      const target = await messages.message(conversationId, messageId);
      if (target === null) {
        throw new MessagingError('message_not_found', 'the message is not on this device');
      }
      const markers = await messages.readMarkers(conversationId);
      const current = markers[account.userId];
      if (current !== undefined && current.seq >= target.seq) return;
      const next = { ...markers, [account.userId]: { messageId, seq: target.seq } };
      await store.transaction([messages.readMarkersOperation(conversationId, next)]);
    });
    if (!(await this.#policy.allowsReadReceipts())) return { isReceiptSent: false };
    await this.#sender.send(conversationId, { type: 'read', upTo: messageId });
    return { isReceiptSent: true };
  }

  /** Refuses a read receipt the policy forbids (for callers that send content directly). */
  async requireAllowed(): Promise<void> {
    if (!(await this.#policy.allowsReadReceipts())) {
      throw new MessagingError('read_receipts_off', 'the organization switched read receipts off');
    }
  }

  /** Every member's marker with receipts on; only the user's own with receipts off. */
  async visibleMarkers(conversationId: string): Promise<ReadMarkers> {
    const markers = await this.#ctx.messages.readMarkers(conversationId);
    if (this.#policy.hasReadReceipts) return markers;
    const own = markers[this.#ctx.account.userId];
    return own === undefined ? {} : { [this.#ctx.account.userId]: own };
  }
}
