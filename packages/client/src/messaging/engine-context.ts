import type { DeviceAuthenticationService, MlsGroup } from '@amtsbote/crypto';
import type { MessageId } from '@amtsbote/protocol';
import type { LocalStore, StoreOperation } from '../store/local-store.js';
import type { Outbox } from '../store/outbox.js';
import type { AcknowledgementStore } from './acknowledgement-store.js';
import type { Account } from './account-store.js';
import type { ConversationRoster } from './conversation-roster.js';
import type { CursorStore } from './cursor-store.js';
import type { GroupStore } from './group-store.js';
import type { MessageStore } from './message-store.js';
import type { MessagingApi } from './messaging-api.js';
import type { MessagingEvent, MessagingEventHub } from './messaging-events.js';
import type { StoredKeyPackages } from './stored-key-packages.js';

/** What the parts of the engine share; built once per client by MessagingClient. */
export interface EngineContext {
  readonly account: Account;
  readonly store: LocalStore;
  readonly api: MessagingApi;
  readonly auth: DeviceAuthenticationService;
  readonly groups: GroupStore;
  readonly cursors: CursorStore;
  readonly messages: MessageStore;
  readonly acknowledgements: AcknowledgementStore;
  /** The server's roster (kinds and roles), for channel posting rights. */
  readonly roster: ConversationRoster;
  readonly keyPackages: StoredKeyPackages;
  readonly outbox: Outbox;
  readonly hub: MessagingEventHub;
  readonly now: () => Date;
}

/** The outcome of one step (an event, a send, a commit): written in one transaction. */
export interface Step {
  readonly conversationId: string;
  readonly operations: readonly StoreOperation[];
  /** The group after the step, when it changed. */
  readonly group: MlsGroup | null;
  /** Moves the conversation's cursor to this seq (null: leave it). */
  readonly cursor: number | null;
  readonly emit: readonly MessagingEvent[];
  /** An own message this step recorded: its outbox entry is done. */
  readonly sentMessageId: string | null;
}

export function emptyStep(conversationId: string): Step {
  return {
    conversationId,
    operations: [],
    group: null,
    cursor: null,
    emit: [],
    sentMessageId: null,
  };
}

/** Writes the step atomically, then updates the caches, the outbox and the listeners. */
export async function commitStep(ctx: EngineContext, step: Step): Promise<void> {
  const operations = [...step.operations];
  if (step.group !== null)
    operations.push(ctx.groups.groupOperation(step.conversationId, step.group));
  if (step.cursor !== null)
    operations.push(ctx.cursors.operation(step.conversationId, step.cursor));
  if (operations.length > 0) await ctx.store.transaction(operations);
  if (step.group !== null) ctx.groups.remember(step.conversationId, step.group);
  if (step.cursor !== null) ctx.cursors.remember(step.conversationId, step.cursor);
  if (step.sentMessageId !== null) {
    await ctx.outbox.markSent(step.sentMessageId as MessageId);
  }
  for (const event of step.emit) ctx.hub.emit(event);
}
