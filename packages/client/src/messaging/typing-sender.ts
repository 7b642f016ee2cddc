import {
  CONTENT_VERSION,
  EPHEMERAL_AUTHENTICATED_DATA,
  TYPING_REFRESH_MS,
  encodeEphemeralPayload,
} from '@amtsbote/protocol';
import { z } from 'zod';
import { JsonCollection } from '../store/json-collection.js';
import type { SerialQueue } from '../store/serial-queue.js';
import { commitStep, emptyStep, type EngineContext } from './engine-context.js';
import type { LiveConnection } from './live-connection.js';
import { MessagingError } from './messaging-error.js';

/*
 * Sending typing indicators: an ephemeral MLS application message over the live connection,
 * best effort. Nothing of it is stored but the advanced ratchet, which must be: a message key is
 * never used twice, even for a typing indicator.
 *
 * Every typing message takes a generation of this device's sending ratchet that no stored
 * message uses. A device that was offline meets the gap when it reads the next stored message
 * and ratchets over it, which ts-mls allows for up to 200 generations. So a device sends at most
 * MAX_TYPING_MESSAGES_PER_GAP typing messages in a conversation between two of its stored
 * messages of an epoch. The count is stored with the ratchet, so a restart does not reset it; it
 * starts again once the engine announces a stored message of this device ('message', isOwn).
 */

/** Half of ts-mls's maximumForwardRatchetSteps (200): room for a stored message in between. */
export const MAX_TYPING_MESSAGES_PER_GAP = 100;

/** In the 'groups' collection, beside the group state it describes. */
const gapKey = (conversationId: string): string => `typing-gap/${conversationId}`;
const gapSchema = z.strictObject({
  v: z.literal(1),
  epoch: z.number().int().min(0),
  /** Typing messages sent in this epoch since this device's last stored message. */
  count: z.number().int().min(0),
});

interface Announced {
  readonly isTyping: boolean;
  readonly atMs: number;
}
const NOTHING_ANNOUNCED: Announced = { isTyping: false, atMs: Number.NEGATIVE_INFINITY };

export class TypingSender {
  readonly #ctx: EngineContext;
  readonly #lock: SerialQueue;
  readonly #live: () => LiveConnection | null;
  readonly #gaps: JsonCollection<z.infer<typeof gapSchema>>;
  /** What this device last announced per conversation: the throttle. Memory only. */
  readonly #announced = new Map<string, Announced>();
  /** Conversations with a stored message of this device since the last typing message. */
  readonly #gapsClosed = new Set<string>();

  constructor(ctx: EngineContext, lock: SerialQueue, live: () => LiveConnection | null) {
    this.#ctx = ctx;
    this.#lock = lock;
    this.#live = live;
    this.#gaps = new JsonCollection(ctx.store, 'groups', gapSchema);
    ctx.hub.subscribe((event) => {
      if (event.type === 'message' && event.isOwn) this.#gapsClosed.add(event.conversationId);
    });
  }

  /**
   * Announces a change of typing state, or refreshes a running one once TYPING_REFRESH_MS has
   * passed; every other call does nothing. Resolves true when a typing message went out.
   */
  async setTyping(conversationId: string, isTyping: boolean): Promise<boolean> {
    if (this.#live()?.isConnected !== true) return false;
    const nowMs = this.#ctx.now().getTime();
    const last = this.#announced.get(conversationId) ?? NOTHING_ANNOUNCED;
    const isDue =
      isTyping !== last.isTyping || (isTyping && nowMs - last.atMs >= TYPING_REFRESH_MS);
    if (!isDue) return false;
    // Claimed before the first await: calls made meanwhile see it and do nothing.
    this.#announced.set(conversationId, { isTyping, atMs: nowMs });
    try {
      return await this.#lock.run(() => this.#encryptAndSend(conversationId, isTyping));
    } catch (error) {
      this.#announced.delete(conversationId);
      throw error;
    }
  }

  async #encryptAndSend(conversationId: string, isTyping: boolean): Promise<boolean> {
    const group = await this.#ctx.groups.group(conversationId);
    if (group === null) {
      throw new MessagingError('conversation_not_found', 'no such conversation on this device');
    }
    if (group.isRemoved) throw new MessagingError('not_in_group', 'this device was removed');
    const live = this.#live();
    if (live?.isConnected !== true) return false;
    const gap = await this.#gaps.get(gapKey(conversationId));
    const isGapClosed = this.#gapsClosed.delete(conversationId);
    const count = gap?.epoch === group.epoch && !isGapClosed ? gap.count : 0;
    if (count >= MAX_TYPING_MESSAGES_PER_GAP) return false;
    const payload = encodeEphemeralPayload({
      v: CONTENT_VERSION,
      sentAt: this.#ctx.now().toISOString(),
      content: { type: 'typing', isTyping },
    });
    const { bytes, newGroup } = await group.encrypt(
      payload,
      new TextEncoder().encode(EPHEMERAL_AUTHENTICATED_DATA),
    );
    const gapOperation = this.#gaps.putOperation(gapKey(conversationId), {
      v: 1,
      epoch: group.epoch,
      count: count + 1,
    });
    // The used message key must never be used again, even if this process dies right now.
    await commitStep(this.#ctx, {
      ...emptyStep(conversationId),
      operations: [gapOperation],
      group: newGroup,
    });
    return live.sendEphemeral({ conversationId, epoch: group.epoch }, bytes);
  }
}
