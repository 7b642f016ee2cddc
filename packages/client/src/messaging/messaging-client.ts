import { DeviceAuthenticationService, type IdentityKeyPair } from '@amtsbote/crypto';
import {
  CIPHERSUITES,
  type CiphersuiteName,
  type ConversationRole,
  type MessageContentInput,
  type SyncEvent,
} from '@amtsbote/protocol';
import type { HttpApi } from '../http-api.js';
import type { LocalStore } from '../store/local-store.js';
import { Outbox, type OutboxEntry } from '../store/outbox.js';
import { SerialQueue } from '../store/serial-queue.js';
import type { Account, AccountIds } from './account-store.js';
import type { ConversationSummary, CreateConversationInput } from './conversations.js';
import { Conversations } from './conversations.js';
import { CursorStore } from './cursor-store.js';
import {
  bootstrapDeviceWithIdentityKey,
  bootstrapFirstDevice,
  loadAccount,
} from './device-bootstrap.js';
import type { EngineContext } from './engine-context.js';
import { EventStream } from './event-stream.js';
import { GroupCommits } from './group-commits.js';
import { GroupStore } from './group-store.js';
import { fromEventFrame, fromSyncEvent } from './incoming-event.js';
import { KEY_PACKAGE_TARGET, KeyPackageSupply } from './key-package-supply.js';
import {
  DEFAULT_RECONNECT_POLICY,
  LiveConnection,
  type ReconnectPolicy,
  type WebSocketConstructor,
} from './live-connection.js';
import { MessageSender, type SentMessage } from './message-sender.js';
import { MessageStore, type ReadMarkers } from './message-store.js';
import { MessagingApi } from './messaging-api.js';
import { MessagingError } from './messaging-error.js';
import {
  MessagingEventHub,
  errorCode,
  errorMessage,
  type MessagingEvent,
  type MessagingEventListener,
} from './messaging-events.js';
import { StoredIdentityKeyPins } from './stored-identity-key-pins.js';
import { StoredKeyPackages } from './stored-key-packages.js';
import { readMarkersOf, timelineOf, type TimelineItem } from './timeline.js';

export interface MessagingClientOptions {
  /** Authenticated with the device's session token. */
  readonly http: HttpApi;
  /** From the session grant: organization.id, user.id, device.id. */
  readonly session: AccountIds;
  /** This device's store; wrap it in EncryptedStore, it holds private keys. Owned by the caller. */
  readonly store: LocalStore;
  /** The organization's ciphersuite for new accounts; default X-Wing. */
  readonly ciphersuite?: CiphersuiteName;
  /** wss://…/api/ws; without it (or without WebSocket) the client only syncs over HTTP. */
  readonly wsUrl?: string | null;
  /** The platform's WebSocket; in Node 20, the `ws` package's. */
  readonly WebSocket?: WebSocketConstructor | null;
  readonly reconnect?: ReconnectPolicy;
  readonly keyPackageTarget?: number;
  readonly sendTimeoutMs?: number;
  readonly now?: () => Date;
  readonly random?: () => number;
  readonly newId?: () => string;
}

/**
 * The headless messaging engine of one device: account bootstrap, conversations, sync, sending,
 * live connection and the local message view. No UI; runs in browsers and Node.
 */
export class MessagingClient {
  readonly #ctx: EngineContext;
  readonly #options: MessagingClientOptions;
  readonly #lock = new SerialQueue();
  readonly #stream: EventStream;
  readonly #sender: MessageSender;
  readonly #conversations: Conversations;
  readonly #keyPackages: KeyPackageSupply;
  readonly #tasks = new Set<Promise<void>>();
  #live: LiveConnection | null = null;
  #isClosed = false;

  private constructor(account: Account, options: MessagingClientOptions) {
    this.#options = options;
    const hub = new MessagingEventHub();
    const auth = new DeviceAuthenticationService({
      organizationId: account.organizationId,
      pins: new StoredIdentityKeyPins(options.store),
      onKeyChange: (userId, pinnedKey, presentedKey) => {
        hub.emit({ type: 'identity_key_changed', userId, pinnedKey, presentedKey });
      },
    });
    const newId = options.newId ?? (() => globalThis.crypto.randomUUID());
    this.#ctx = {
      account,
      store: options.store,
      api: new MessagingApi(options.http),
      auth,
      groups: new GroupStore(options.store, auth),
      cursors: new CursorStore(options.store),
      messages: new MessageStore(options.store),
      keyPackages: new StoredKeyPackages(options.store),
      outbox: new Outbox(options.store),
      hub,
      now: options.now ?? (() => new Date()),
    };
    this.#stream = new EventStream(
      this.#ctx,
      this.#lock,
      (cursors) => this.#live?.ack(cursors) ?? false,
    );
    this.#sender = new MessageSender(this.#ctx, this.#lock, this.#stream, {
      live: () => this.#live,
      sendTimeoutMs: options.sendTimeoutMs ?? 15_000,
      newMessageId: newId,
    });
    const commits = new GroupCommits(this.#ctx, this.#lock, this.#stream);
    this.#conversations = new Conversations(this.#ctx, this.#lock, commits, this.#sender, newId);
    this.#keyPackages = new KeyPackageSupply(
      account,
      this.#ctx.api,
      this.#ctx.keyPackages,
      options.keyPackageTarget ?? KEY_PACKAGE_TARGET,
    );
  }

  /** The user's first device: creates and publishes the identity key (or loads the account). */
  static async bootstrap(options: MessagingClientOptions): Promise<MessagingClient> {
    const account = await bootstrapFirstDevice(
      options.store,
      new MessagingApi(options.http),
      options.session,
      CIPHERSUITES[options.ciphersuite ?? 'xwing'],
    );
    return new MessagingClient(account, options);
  }

  /**
   * Another device of the user, with the user's identity key passed in. Interim, until device
   * approval carries the key from an approved device; see interimIdentityKeyForNewDevice().
   */
  static async bootstrapWithIdentityKey(
    options: MessagingClientOptions,
    identityKey: IdentityKeyPair,
  ): Promise<MessagingClient> {
    const account = await bootstrapDeviceWithIdentityKey(
      options.store,
      new MessagingApi(options.http),
      options.session,
      CIPHERSUITES[options.ciphersuite ?? 'xwing'],
      identityKey,
    );
    return new MessagingClient(account, options);
  }

  /** A device bootstrapped before (a restart); refused with not_bootstrapped otherwise. */
  static async open(options: MessagingClientOptions): Promise<MessagingClient> {
    const account = await loadAccount(options.store, options.session);
    if (account === null) throw new MessagingError('not_bootstrapped', 'no account on this store');
    return new MessagingClient(account, options);
  }

  get userId(): string {
    return this.#ctx.account.userId;
  }

  get deviceId(): string {
    return this.#ctx.account.deviceId;
  }

  get identityPublicKey(): Uint8Array {
    return this.#ctx.account.identityKey.publicKey.slice();
  }

  /** Interim only (see bootstrapWithIdentityKey): the secret identity key, for a new device. */
  interimIdentityKeyForNewDevice(): IdentityKeyPair {
    const { publicKey, privateKey } = this.#ctx.account.identityKey;
    return { publicKey: publicKey.slice(), privateKey: privateKey.slice() };
  }

  /** Uploads key packages, catches up, sends the outbox, then stays connected (if configured). */
  async start(): Promise<void> {
    this.#assertOpen();
    await this.#keyPackages.replenish();
    await this.#stream.sync();
    await this.#flushQuietly();
    const wsUrl = this.#options.wsUrl ?? null;
    const WebSocket = this.#options.WebSocket ?? null;
    if (wsUrl === null || WebSocket === null || this.#live !== null) return;
    const token = this.#options.http.token;
    if (token === null) throw new MessagingError('invalid_request', 'the HttpApi has no token');
    this.#live = new LiveConnection({
      url: wsUrl,
      token,
      WebSocket,
      reconnect: this.#options.reconnect ?? DEFAULT_RECONNECT_POLICY,
      random: this.#options.random ?? Math.random,
      onEvent: (header, payload) => {
        this.#background('live_event', () =>
          this.#stream.receiveLive(fromEventFrame(header, payload)),
        );
      },
      onNotice: (notice) => {
        if (notice.type === 'key_packages_low') {
          this.#background('key_packages', () => this.#keyPackages.replenish());
        } else {
          this.#background('sync', () => this.#stream.sync());
        }
      },
      onConnected: () => {
        this.#ctx.hub.emit({ type: 'connection_changed', state: 'connected', closeCode: null });
        // Whatever happened while disconnected: catch up, then send what waited.
        this.#background('resync', async () => {
          await this.#stream.sync();
          await this.#flushQuietly();
        });
      },
      onDisconnected: (closeCode, isFinal) => {
        const state = isFinal ? 'stopped' : 'disconnected';
        this.#ctx.hub.emit({ type: 'connection_changed', state, closeCode });
      },
    });
    this.#live.start();
  }

  /** Stops the connection and waits for running work; the store stays open (the caller's). */
  async close(): Promise<void> {
    this.#isClosed = true;
    this.#live?.stop();
    this.#live = null;
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
    await this.#lock.idle();
  }

  get isConnected(): boolean {
    return this.#live?.isConnected ?? false;
  }

  subscribe(listener: MessagingEventListener): () => void {
    return this.#ctx.hub.subscribe(listener);
  }

  /** The events as an async iterator, from the moment of this call. */
  events(signal?: AbortSignal): AsyncIterableIterator<MessagingEvent> {
    return this.#ctx.hub.events(signal);
  }

  async sync(): Promise<void> {
    this.#assertOpen();
    await this.#stream.sync();
  }

  /** Events obtained outside sync and the WebSocket (e.g. a push), processed the same way. */
  async receive(events: readonly SyncEvent[]): Promise<void> {
    this.#assertOpen();
    await this.#stream.receive(events.map(fromSyncEvent));
  }

  async createConversation(input: CreateConversationInput): Promise<ConversationSummary> {
    this.#assertOpen();
    return this.#conversations.create(input);
  }

  async listConversations(): Promise<ConversationSummary[]> {
    return this.#conversations.list();
  }

  async conversation(conversationId: string): Promise<ConversationSummary | null> {
    return this.#conversations.get(conversationId);
  }

  async addMembers(
    conversationId: string,
    userIds: readonly string[],
    role?: ConversationRole,
  ): Promise<string[]> {
    this.#assertOpen();
    return this.#conversations.addMembers(conversationId, userIds, role);
  }

  async removeMembers(conversationId: string, userIds: readonly string[]): Promise<string[]> {
    this.#assertOpen();
    return this.#conversations.removeMembers(conversationId, userIds);
  }

  async rename(conversationId: string, name: string | null, topic: string | null): Promise<void> {
    this.#assertOpen();
    await this.#conversations.rename(conversationId, name, topic);
  }

  /**
   * Stores the message in the outbox, then sends it; resolves once the server stored it. Throws
   * send_pending when the server cannot be reached (the outbox sends it later) and send_refused
   * when it was refused for good.
   */
  async send(conversationId: string, content: MessageContentInput): Promise<SentMessage> {
    this.#assertOpen();
    return this.#sender.send(conversationId, content);
  }

  async sendText(conversationId: string, text: string): Promise<SentMessage> {
    return this.send(conversationId, { type: 'text', text });
  }

  /** Sends what waits in the outbox (after a restart, a lost connection). */
  async flushOutbox(): Promise<void> {
    this.#assertOpen();
    await this.#sender.flush();
  }

  async pendingMessages(conversationId?: string): Promise<OutboxEntry[]> {
    const pending = await this.#ctx.outbox.pending();
    return conversationId === undefined
      ? pending
      : pending.filter((e) => e.conversationId === conversationId);
  }

  async timeline(conversationId: string): Promise<TimelineItem[]> {
    return timelineOf(this.#ctx.messages, conversationId);
  }

  async readMarkers(conversationId: string): Promise<ReadMarkers> {
    return readMarkersOf(this.#ctx.messages, conversationId);
  }

  async #flushQuietly(): Promise<void> {
    try {
      await this.#sender.flush();
    } catch (error) {
      if (error instanceof MessagingError && error.code === 'send_pending') return;
      throw error;
    }
  }

  #background(task: string, run: () => Promise<void>): void {
    if (this.#isClosed) return;
    const promise = run()
      .catch((error: unknown) => {
        this.#ctx.hub.emit({
          type: 'engine_error',
          task,
          code: errorCode(error),
          message: errorMessage(error),
        });
      })
      .finally(() => {
        this.#tasks.delete(promise);
      });
    this.#tasks.add(promise);
  }

  #assertOpen(): void {
    if (this.#isClosed) throw new MessagingError('closed', 'the client is closed');
  }
}
