import { createGroup, groupIdFromConversationId } from '@amtsbote/crypto';
import type { ConversationKind, ConversationRole } from '@amtsbote/protocol';
import type { SerialQueue } from '../store/serial-queue.js';
import { commitStep, emptyStep, type EngineContext } from './engine-context.js';
import { memberRef } from './event-processor.js';
import type { GroupCommits } from './group-commits.js';
import { newConversationInfo } from './group-store.js';
import type { MessageSender } from './message-sender.js';
import { MessagingError } from './messaging-error.js';
import type { MemberRef } from './messaging-events.js';

export interface ConversationSummary {
  readonly conversationId: string;
  /** null until learned from the server (a conversation joined by Welcome). */
  readonly kind: ConversationKind | null;
  /** From the encrypted metadata; the server never sees it. */
  readonly name: string | null;
  readonly topic: string | null;
  /** The group's epoch; 0 once this device left (its group state is gone). */
  readonly epoch: number;
  /** The devices in the MLS group, as this device verified them; none once it left. */
  readonly members: readonly MemberRef[];
  /** Removed, or the user left: the timeline stays, nothing is read or sent any more. */
  readonly isRemoved: boolean;
}

export interface CreateConversationInput {
  readonly kind: ConversationKind;
  /** The other users; for 'direct', exactly one. */
  readonly memberUserIds: readonly string[];
  /** Channels: who may post besides the creator. */
  readonly posterUserIds?: readonly string[];
  readonly name?: string | null;
  readonly topic?: string | null;
}

/*
 * Conversations: the server's membership (who may be in the group) and the MLS group (which
 * devices are) change together here. The name and topic travel only as an encrypted metadata
 * message, sent after the members joined so that all of them can read it.
 */
export class Conversations {
  readonly #ctx: EngineContext;
  readonly #lock: SerialQueue;
  readonly #commits: GroupCommits;
  readonly #sender: MessageSender;
  readonly #newId: () => string;

  constructor(
    ctx: EngineContext,
    lock: SerialQueue,
    commits: GroupCommits,
    sender: MessageSender,
    newId: () => string,
  ) {
    this.#ctx = ctx;
    this.#lock = lock;
    this.#commits = commits;
    this.#sender = sender;
    this.#newId = newId;
  }

  async create(input: CreateConversationInput): Promise<ConversationSummary> {
    const { account } = this.#ctx;
    const conversationId = this.#newId();
    const others = [...new Set(input.memberUserIds)].filter((id) => id !== account.userId);
    await this.#lock.run(async () => {
      const group = await createGroup({
        groupId: groupIdFromConversationId(conversationId),
        ciphersuite: account.ciphersuite,
        device: account.device,
        authService: this.#ctx.auth,
      });
      await this.#ctx.api.createConversation({
        conversationId,
        kind: input.kind,
        ciphersuite: account.ciphersuite,
        memberUserIds: others,
        posterUserIds: input.posterUserIds ?? [],
      });
      await commitStep(this.#ctx, {
        ...emptyStep(conversationId),
        operations: [
          this.#ctx.groups.infoOperation(newConversationInfo(conversationId, input.kind)),
        ],
        group,
      });
    });
    // The user's own other devices join too.
    await this.#commits.addUsers(conversationId, [...others, account.userId]);
    const name = input.name ?? null;
    const topic = input.topic ?? null;
    if (name !== null || topic !== null) {
      await this.#sender.send(conversationId, { type: 'metadata', name, topic });
    }
    return this.#require(conversationId);
  }

  /** Owners: makes the users members, then adds their devices to the group. */
  async addMembers(
    conversationId: string,
    userIds: readonly string[],
    role: ConversationRole = 'member',
  ): Promise<string[]> {
    await this.#ctx.api.updateMembers(conversationId, {
      add: userIds.map((userId) => ({ userId, role })),
      remove: [],
    });
    return this.#commits.addUsers(conversationId, userIds);
  }

  /** Owners: ends the users' membership (they stop receiving at once), then the MLS removal. */
  async removeMembers(conversationId: string, userIds: readonly string[]): Promise<string[]> {
    await this.#ctx.api.updateMembers(conversationId, { add: [], remove: [...userIds] });
    return this.#commits.removeUsers(conversationId, userIds);
  }

  async rename(conversationId: string, name: string | null, topic: string | null): Promise<void> {
    await this.#sender.send(conversationId, { type: 'metadata', name, topic });
  }

  async get(conversationId: string): Promise<ConversationSummary | null> {
    const info = await this.#ctx.groups.info(conversationId);
    const group = await this.#ctx.groups.group(conversationId);
    if (info === null || (group === null && !info.isRemoved)) return null;
    return {
      conversationId,
      kind: info.kind,
      name: info.name,
      topic: info.topic,
      epoch: group?.epoch ?? 0,
      members: group?.members().map(memberRef) ?? [],
      isRemoved: info.isRemoved || group === null || group.isRemoved,
    };
  }

  async list(): Promise<ConversationSummary[]> {
    const summaries: ConversationSummary[] = [];
    for (const id of await this.#ctx.groups.conversationIds()) {
      const summary = await this.get(id);
      if (summary !== null) summaries.push(summary);
    }
    return summaries;
  }

  async #require(conversationId: string): Promise<ConversationSummary> {
    const summary = await this.get(conversationId);
    if (summary === null) {
      throw new MessagingError('conversation_not_found', 'the conversation is not on this device');
    }
    return summary;
  }
}
