import type { ConversationView } from '@amtsbote/protocol';
import type { EngineContext } from './engine-context.js';
import type { Acknowledgement } from './acknowledgement-store.js';
import type { MessageSender } from './message-sender.js';
import { MessagingError } from './messaging-error.js';
import { classifyFailure } from './send-errors.js';
import type { ChannelAudience } from './timeline.js';

/*
 * Acknowledgement lists of channel posts: members acknowledge a post once; posters see who has
 * and who has not. "Not yet" means the current members (by the server's roster) who are
 * neither owner nor poster and have not acknowledged.
 */

export interface AcknowledgementList {
  /** Oldest first, with the server's time of each acknowledgement. */
  readonly acknowledged: readonly Acknowledgement[];
  readonly pending: readonly string[];
}

export class Acknowledgements {
  readonly #ctx: EngineContext;
  readonly #sender: MessageSender;

  constructor(ctx: EngineContext, sender: MessageSender) {
    this.#ctx = ctx;
    this.#sender = sender;
  }

  /** Acknowledges the post for this user; a repeat sends nothing. */
  async acknowledge(conversationId: string, messageId: string): Promise<void> {
    await this.#requireMessage(conversationId, messageId);
    const earlier = await this.#ctx.acknowledgements.list(conversationId, messageId);
    if (earlier.some((a) => a.userId === this.#ctx.account.userId)) return;
    await this.#sender.send(conversationId, { type: 'acknowledge', target: messageId });
  }

  /** Who acknowledged the post and who has not yet, reading the roster from the server. */
  async list(conversationId: string, messageId: string): Promise<AcknowledgementList> {
    await this.#requireMessage(conversationId, messageId);
    const acknowledged = await this.#ctx.acknowledgements.list(conversationId, messageId);
    const roster = await this.#ctx.roster.refresh(conversationId);
    if (roster === null) {
      throw new MessagingError('conversation_not_found', 'not a member of this conversation');
    }
    const done = new Set(acknowledged.map((a) => a.userId));
    const pending = roster.members
      .filter((m) => m.role === 'member' && !done.has(m.userId))
      .map((m) => m.userId);
    return { acknowledged, pending };
  }

  /**
   * For a channel's timeline: who is expected to acknowledge, from the roster as last read (read
   * now if never); null for other conversations. Offline, the counts go without "pending".
   */
  async audience(conversationId: string): Promise<ChannelAudience | null> {
    const kind = (await this.#ctx.groups.info(conversationId))?.kind ?? null;
    if (kind !== null && kind !== 'channel') return null;
    let roster: ConversationView | null;
    try {
      roster = await this.#ctx.roster.view(conversationId);
    } catch (error) {
      if (classifyFailure(error) !== 'transient') throw error;
      roster = null;
    }
    if ((roster?.kind ?? kind) !== 'channel') return null;
    return {
      expectedUserIds:
        roster?.members.filter((m) => m.role === 'member').map((m) => m.userId) ?? null,
    };
  }

  async #requireMessage(conversationId: string, messageId: string): Promise<void> {
    if ((await this.#ctx.messages.message(conversationId, messageId)) === null) {
      throw new MessagingError('message_not_found', 'the message is not on this device');
    }
  }
}
