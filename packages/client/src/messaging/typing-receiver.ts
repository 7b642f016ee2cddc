import { constantTimeEqual } from '@amtsbote/crypto';
import {
  EPHEMERAL_AUTHENTICATED_DATA,
  TYPING_EXPIRY_MS,
  decodeEphemeralPayload,
  type FrameHeaders,
} from '@amtsbote/protocol';
import type { SerialQueue } from '../store/serial-queue.js';
import type { EngineContext } from './engine-context.js';
import { memberRef } from './event-processor.js';
import type { MemberRef } from './messaging-events.js';

/*
 * Receiving typing indicators from ephemeral frames. They bypass the event stream: no seq, no
 * cursor, no failure record, nothing stored. Whatever does not decrypt or parse (another epoch,
 * a lost ratchet key, a replay, a stored message relayed as ephemeral) is dropped silently.
 *
 * The group advanced by the decryption is NOT kept. Typing messages take generations of the
 * sender's ratchet that stored messages do not use; keeping the advanced state would let a typing
 * message overtake stored messages still waiting in this device's stream, whose keys ts-mls
 * keeps for only a few generations. With the stored state, the stream ratchets over the gap as
 * a device that was offline does. The key of the typing message stays derivable until the next
 * stored message of that sender passes it: a small cost for a one-bit content.
 */

/** A typing message this much older than the receiver's clock was withheld: it is dropped. */
export const MAX_TYPING_AGE_MS = 60_000;

export class TypingReceiver {
  readonly #ctx: EngineContext;
  readonly #lock: SerialQueue;
  readonly #expiryMs: number;
  /** Running indicators by conversation and sender device. */
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #isClosed = false;

  constructor(ctx: EngineContext, lock: SerialQueue, expiryMs: number = TYPING_EXPIRY_MS) {
    this.#ctx = ctx;
    this.#lock = lock;
    this.#expiryMs = expiryMs;
  }

  /** Decrypts an ephemeral frame and shows what it says; never throws for bad input. */
  async receive(header: FrameHeaders['ephemeral_event'], payload: Uint8Array): Promise<void> {
    if (this.#isClosed || header.senderDeviceId === this.#ctx.account.deviceId) return;
    // Under the engine lock: the group cache is read between steps only, never half written.
    const typing = await this.#lock.run(() => this.#decrypt(header, payload));
    if (typing === null || this.#isClosed) return;
    this.#show(header.conversationId, typing.sender, typing.isTyping);
  }

  async #decrypt(
    header: FrameHeaders['ephemeral_event'],
    payload: Uint8Array,
  ): Promise<{ sender: MemberRef; isTyping: boolean } | null> {
    const group = await this.#ctx.groups.group(header.conversationId);
    if (group === null || group.isRemoved || group.epoch !== header.epoch) return null;
    let result;
    try {
      result = await group.process(payload);
    } catch {
      return null;
    }
    if (result.kind !== 'application' || result.sender.deviceId !== header.senderDeviceId) {
      return null;
    }
    const label = new TextEncoder().encode(EPHEMERAL_AUTHENTICATED_DATA);
    if (!constantTimeEqual(result.authenticatedData, label)) return null;
    let decoded;
    try {
      decoded = decodeEphemeralPayload(result.plaintext);
    } catch {
      return null;
    }
    if (this.#ctx.now().getTime() - Date.parse(decoded.sentAt) > MAX_TYPING_AGE_MS) return null;
    // result.newGroup is dropped on purpose (see above). Typing is the only ephemeral content.
    return { sender: memberRef(result.sender), isTyping: decoded.content.isTyping };
  }

  /** Ends every running indicator without telling anyone (the client is closing). */
  close(): void {
    this.#isClosed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #show(conversationId: string, sender: MemberRef, isTyping: boolean): void {
    const key = `${conversationId}/${sender.deviceId}`;
    const previous = this.#timers.get(key);
    if (previous !== undefined) clearTimeout(previous);
    this.#timers.delete(key);
    if (!isTyping) {
      // An end of an indicator this device never showed changes nothing.
      if (previous !== undefined) this.#emit(conversationId, sender, null);
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.#emit(conversationId, sender, null);
    }, this.#expiryMs);
    this.#timers.set(key, timer);
    const expiresAt = new Date(this.#ctx.now().getTime() + this.#expiryMs).toISOString();
    this.#emit(conversationId, sender, expiresAt);
  }

  #emit(conversationId: string, sender: MemberRef, expiresAt: string | null): void {
    this.#ctx.hub.emit({
      type: 'typing',
      conversationId,
      userId: sender.userId,
      deviceId: sender.deviceId,
      isTyping: expiresAt !== null,
      expiresAt,
    });
  }
}
