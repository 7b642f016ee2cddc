import { DeviceAuthenticationService } from '@amtsbote/crypto';
import { Outbox } from '../store/outbox.js';
import type { SerialQueue } from '../store/serial-queue.js';
import { AcknowledgementStore } from './acknowledgement-store.js';
import { Acknowledgements } from './acknowledgements.js';
import type { Account } from './account-store.js';
import { ConversationRoster } from './conversation-roster.js';
import { Conversations } from './conversations.js';
import { CursorStore } from './cursor-store.js';
import type { EngineContext } from './engine-context.js';
import { EventStream } from './event-stream.js';
import { ExternalJoin } from './external-join.js';
import { GroupCommits } from './group-commits.js';
import { GroupStore } from './group-store.js';
import { HistoryApi } from './history-api.js';
import { DEFAULT_HISTORY_BACKUP_DELAY_MS, HistoryBackup } from './history-backup.js';
import { HistoryState } from './history-state.js';
import { KEY_PACKAGE_TARGET, KeyPackageSupply } from './key-package-supply.js';
import type { LiveConnection } from './live-connection.js';
import { MessageSender } from './message-sender.js';
import { MessageStore } from './message-store.js';
import { MessagingApi } from './messaging-api.js';
import type { MessagingClientOptions } from './messaging-client.js';
import { MessagingEventHub } from './messaging-events.js';
import { PolicyCache } from './organization-policy.js';
import { Attachments } from '../files/attachments.js';
import { Transfers } from '../files/transfers.js';
import { ReadReceipts } from './read-receipts.js';
import { RosterApi } from './roster-api.js';
import { RosterReconciler } from './roster-reconciler.js';
import { StoredIdentityKeyPins } from './stored-identity-key-pins.js';
import { StoredKeyPackages } from './stored-key-packages.js';
import { TypingReceiver } from './typing-receiver.js';
import { TypingSender } from './typing-sender.js';

/** What the engine's parts take from the MessagingClient that holds them. */
export interface EngineHost {
  /** The client's lock: the parts change the store one at a time under it. */
  readonly lock: SerialQueue;
  /** The client's live connection, while there is one. */
  readonly live: () => LiveConnection | null;
  /** Runs work in the background; a failure becomes an engine_error event. */
  readonly background: (task: string, run: () => Promise<void>) => void;
}

/**
 * The parts of the engine MessagingClient calls. Those only other parts use (GroupCommits,
 * ExternalJoin, the HTTP APIs behind them) stay inside wireEngine().
 */
export interface EngineParts {
  readonly ctx: EngineContext;
  readonly stream: EventStream;
  readonly sender: MessageSender;
  readonly conversations: Conversations;
  readonly rosterApi: RosterApi;
  readonly reconciler: RosterReconciler;
  readonly policy: PolicyCache;
  readonly attachments: Attachments;
  readonly transfers: Transfers;
  readonly reads: ReadReceipts;
  readonly acknowledgements: Acknowledgements;
  readonly keyPackages: KeyPackageSupply;
  readonly typingSender: TypingSender;
  readonly typingReceiver: TypingReceiver;
  readonly history: HistoryBackup;
}

/** Builds the engine of one device's account; once per MessagingClient. */
export function wireEngine(
  account: Account,
  options: MessagingClientOptions,
  host: EngineHost,
): EngineParts {
  const { lock } = host;
  const hub = new MessagingEventHub();
  const auth = new DeviceAuthenticationService({
    organizationId: account.organizationId,
    pins: new StoredIdentityKeyPins(options.store, {
      userId: account.userId,
      identityPublicKey: account.identityKey.publicKey,
    }),
    onKeyChange: (userId, pinnedKey, presentedKey) => {
      hub.emit({ type: 'identity_key_changed', userId, pinnedKey, presentedKey });
    },
  });
  const newId = options.newId ?? (() => globalThis.crypto.randomUUID());
  const api = new MessagingApi(options.http);
  const ctx: EngineContext = {
    account,
    store: options.store,
    api,
    auth,
    groups: new GroupStore(options.store, auth),
    cursors: new CursorStore(options.store),
    messages: new MessageStore(options.store),
    acknowledgements: new AcknowledgementStore(options.store),
    roster: new ConversationRoster(api),
    keyPackages: new StoredKeyPackages(options.store),
    outbox: new Outbox(options.store),
    hub,
    now: options.now ?? (() => new Date()),
  };
  const stream = new EventStream(ctx, lock, (cursors) => host.live()?.ack(cursors) ?? false);
  const policy = new PolicyCache(api);
  const sender = new MessageSender(ctx, lock, stream, {
    live: host.live,
    sendTimeoutMs: options.sendTimeoutMs ?? 15_000,
    newMessageId: newId,
    allowsReadReceipts: () => policy.allowsReadReceipts(),
  });
  const commits = new GroupCommits(ctx, lock, stream);
  const conversations = new Conversations(ctx, lock, commits, sender, newId);
  const rosterApi = new RosterApi(options.http);
  const reconciler = new RosterReconciler(ctx, lock, {
    stream,
    commits,
    joins: new ExternalJoin(ctx, rosterApi),
  });
  const reads = new ReadReceipts(ctx, lock, sender, policy);
  const acknowledgements = new Acknowledgements(ctx, sender);
  const keyPackages = new KeyPackageSupply(
    account,
    ctx.api,
    ctx.keyPackages,
    options.keyPackageTarget ?? KEY_PACKAGE_TARGET,
  );
  const typingSender = new TypingSender(ctx, lock, host.live);
  const typingReceiver = new TypingReceiver(ctx, lock, options.typingExpiryMs);
  const history = new HistoryBackup(
    {
      ctx,
      lock,
      api: new HistoryApi(options.http),
      state: new HistoryState(options.store),
    },
    {
      delayMs: options.historyBackupDelayMs ?? DEFAULT_HISTORY_BACKUP_DELAY_MS,
      background: host.background,
    },
  );
  return {
    ctx,
    stream,
    sender,
    conversations,
    rosterApi,
    reconciler,
    policy,
    reads,
    acknowledgements,
    keyPackages,
    typingSender,
    typingReceiver,
    history,
    attachments: new Attachments(options.http, {
      send: (conversationId, content) => sender.send(conversationId, content),
      message: (conversationId, messageId) => ctx.messages.message(conversationId, messageId),
      policy: () => policy.current(),
    }),
    transfers: new Transfers(options.http, { policy: () => policy.current() }),
  };
}
