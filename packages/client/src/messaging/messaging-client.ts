import type { UserSecrets } from '@amtsbote/crypto';
import {
  CIPHERSUITES,
  decodeApplicationPayload,
  type CiphersuiteName,
  type ConversationRole,
  type ConversationView,
  type DirectoryLookupEntry,
  type DirectoryPage,
  type MessageContent,
  type MessageContentInput,
  type OrganizationPolicy,
  type SyncEvent,
  type ThumbnailRef,
  type Transfer,
} from '@amtsbote/protocol';
import { ApiError, type HttpApi } from '../http-api.js';
import type { LocalStore } from '../store/local-store.js';
import type { OutboxEntry } from '../store/outbox.js';
import { SerialQueue } from '../store/serial-queue.js';
import { AccountApi } from './account-api.js';
import type { AcknowledgementList } from './acknowledgements.js';
import type { Account, AccountIds } from './account-store.js';
import type { ConversationSummary, CreateConversationInput } from './conversations.js';
import { lookupInBatches } from './directory-lookup.js';
import { bootstrapFirstDevice, bootstrapWithUserSecrets, loadAccount } from './device-bootstrap.js';
import {
  WaitingDeviceLink,
  approveLinkedDevice,
  type ApprovedDevice,
  type DeviceLinkView,
  type DeviceLinkWaitOptions,
} from './device-link-flow.js';
import { wireEngine, type EngineParts } from './engine-wiring.js';
import { fromEventFrame, fromSyncEvent } from './incoming-event.js';
import {
  DEFAULT_RECONNECT_POLICY,
  LiveConnection,
  type ReconnectPolicy,
  type WebSocketConstructor,
} from './live-connection.js';
import type { FileToSend, OpenedAttachment, SentFile } from '../files/attachments.js';
import type { CreatedTransfer, FileToTransfer, TransferOptions } from '../files/transfers.js';
import type { SentMessage } from './message-sender.js';
import type { ReadMarkers } from './message-store.js';
import { MessagingApi } from './messaging-api.js';
import { ensureRecoveryKey, recoverUserSecrets } from './recovery.js';
import { MessagingError } from './messaging-error.js';
import {
  errorCode,
  errorMessage,
  type MessagingEvent,
  type MessagingEventListener,
} from './messaging-events.js';
import { MembershipLog, withMembershipItems } from './membership-log.js';
import { SafetyCodes, type SafetyCode } from './safety-codes.js';
import { StoredIdentityKeyPins } from './stored-identity-key-pins.js';
import type { SeqWindow } from './seq-window.js';
import {
  messageItem,
  timelineOf,
  timelinePageOf,
  type TimelineItem,
  type TimelinePage,
} from './timeline.js';

/** Whether the server could not be reached at all (no answer), also as the cause of an error. */
function isServerUnreachable(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof ApiError && e.code === 'network_error') return true;
  }
  return false;
}

/** A text waiting in the outbox (MessagingClient.pendingTexts). */
export interface PendingText {
  readonly messageId: string;
  readonly content: Extract<MessageContent, { type: 'text' }>;
}

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
  /** How long another device's typing indicator shows without a refresh; default 6 s. */
  readonly typingExpiryMs?: number;
  readonly now?: () => Date;
  readonly random?: () => number;
  readonly newId?: () => string;
  /** Quiet time after changes before the history backup is updated; default 5 s. */
  readonly historyBackupDelayMs?: number;
}

/** A device link of a new device: show code or QR payload, then complete() once approved. */
export interface DeviceLink extends DeviceLinkView {
  /** Waits for the approval, then sets up this device with the user secrets it received. */
  complete(options?: DeviceLinkWaitOptions): Promise<MessagingClient>;
}

/**
 * The headless messaging engine of one device: account bootstrap, conversations, sync, sending,
 * live connection and the local message view. No UI; runs in browsers and Node.
 */
export class MessagingClient {
  readonly #options: MessagingClientOptions;
  readonly #lock = new SerialQueue();
  readonly #engine: EngineParts;
  readonly #tasks = new Set<Promise<void>>();
  #live: LiveConnection | null = null;
  #isClosed = false;
  /** start() could not reach the server: the first connect does the start's catch-up. */
  #isStartCatchUpDue = false;
  /** Made by bootstrap(), held until takeRecoveryKey(); never stored. */
  #recoveryKey: string | null = null;

  private constructor(account: Account, options: MessagingClientOptions) {
    this.#options = options;
    this.#engine = wireEngine(account, options, {
      lock: this.#lock,
      live: () => this.#live,
      background: (task, run) => {
        this.#background(task, run);
      },
    });
  }

  /**
   * The user's first device: creates the user secrets, publishes the identity key and leaves the
   * secrets on the server sealed under a new recovery key (or loads the account). The recovery
   * key is shown to the user once: see takeRecoveryKey().
   */
  static async bootstrap(options: MessagingClientOptions): Promise<MessagingClient> {
    const account = await bootstrapFirstDevice(
      options.store,
      new MessagingApi(options.http),
      options.session,
      CIPHERSUITES[options.ciphersuite ?? 'xwing'],
    );
    const client = new MessagingClient(account, options);
    client.#recoveryKey = await ensureRecoveryKey(new AccountApi(options.http), account);
    return client;
  }

  /** A further device of the user, with the recovery key the user typed; on refusal nothing is stored. */
  static async bootstrapWithRecoveryKey(
    options: MessagingClientOptions,
    recoveryKey: string,
  ): Promise<MessagingClient> {
    await MessagingClient.#assertNoAccount(options);
    const api = new AccountApi(options.http);
    const secrets = await recoverUserSecrets(api, options.session.userId, recoveryKey);
    return MessagingClient.#withUserSecrets(options, secrets);
  }

  /**
   * A further device of the user asks to be approved by one of the user's other devices: show
   * the link's code or QR payload, then complete() waits for the approval and sets up this device.
   */
  static async requestDeviceLink(options: MessagingClientOptions): Promise<DeviceLink> {
    await MessagingClient.#assertNoAccount(options);
    const now = options.now ?? (() => new Date());
    const link = await WaitingDeviceLink.create(new AccountApi(options.http), options.session, now);
    return {
      ...link.view,
      complete: async (wait = {}) =>
        MessagingClient.#withUserSecrets(options, await link.waitForSecrets(wait)),
    };
  }

  static async #assertNoAccount(options: MessagingClientOptions): Promise<void> {
    if ((await loadAccount(options.store, options.session)) !== null) {
      throw new MessagingError('already_bootstrapped', 'this store holds an account: open it');
    }
  }

  static async #withUserSecrets(
    options: MessagingClientOptions,
    secrets: UserSecrets,
  ): Promise<MessagingClient> {
    const account = await bootstrapWithUserSecrets(
      options.store,
      new MessagingApi(options.http),
      options.session,
      CIPHERSUITES[options.ciphersuite ?? 'xwing'],
      secrets,
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
    return this.#engine.ctx.account.userId;
  }

  get deviceId(): string {
    return this.#engine.ctx.account.deviceId;
  }

  get identityPublicKey(): Uint8Array {
    return this.#engine.ctx.account.identityKey.publicKey.slice();
  }

  /**
   * The recovery key bootstrap() made, once: the user must write it down. It is kept nowhere,
   * so later calls (and clients that did not make one) return null.
   */
  takeRecoveryKey(): string | null {
    const recoveryKey = this.#recoveryKey;
    this.#recoveryKey = null;
    return recoveryKey;
  }

  /** Approves a new device of this user by the code or QR payload the new device shows. */
  async approveDevice(codeOrQrPayload: string): Promise<ApprovedDevice> {
    this.#assertOpen();
    return approveLinkedDevice(
      new AccountApi(this.#options.http),
      this.#engine.ctx.account,
      codeOrQrPayload,
    );
  }

  /**
   * Uploads key packages, catches up, sends the outbox, then stays connected (if configured).
   * With a live connection, a server that cannot be reached does not stop the start: the device
   * opens with what it holds (its outbox included) and catches up once the connection stands.
   */
  async start(): Promise<void> {
    this.#assertOpen();
    const wsUrl = this.#options.wsUrl ?? null;
    const WebSocket = this.#options.WebSocket ?? null;
    const token = this.#options.http.token;
    try {
      await this.#catchUp({ isStart: true });
    } catch (error) {
      if (wsUrl === null || WebSocket === null || token === null || !isServerUnreachable(error)) {
        throw error;
      }
      this.#isStartCatchUpDue = true;
    }
    await this.#engine.history.resume();
    if (wsUrl === null || WebSocket === null || this.#live !== null) return;
    if (token === null) throw new MessagingError('invalid_request', 'the HttpApi has no token');
    this.#live = new LiveConnection({
      url: wsUrl,
      token,
      WebSocket,
      reconnect: this.#options.reconnect ?? DEFAULT_RECONNECT_POLICY,
      random: this.#options.random ?? Math.random,
      onEvent: (header, payload) => {
        this.#background('live_event', () =>
          this.#engine.stream.receiveLive(fromEventFrame(header, payload)),
        );
      },
      onNotice: (notice) => {
        if (notice.type === 'key_packages_low') {
          this.#background('key_packages', () => this.#engine.keyPackages.replenish());
        } else if (notice.type === 'membership_changed') {
          this.#background('reconcile', () =>
            this.#engine.reconciler.reconcile(notice.conversationId),
          );
        } else if (notice.type === 'transfer_downloaded') {
          this.#engine.ctx.hub.emit({
            type: 'transfer_downloaded',
            transferId: notice.transferId,
            downloadCount: notice.downloadCount,
          });
        } else {
          this.#background('sync', () => this.#engine.stream.sync());
        }
      },
      onEphemeral: (header, payload) => {
        this.#background('typing', () => this.#engine.typingReceiver.receive(header, payload));
      },
      onConnected: () => {
        this.#engine.ctx.hub.emit({
          type: 'connection_changed',
          state: 'connected',
          closeCode: null,
        });
        // Whatever happened while disconnected: catch up, then send what waited.
        const isStart = this.#isStartCatchUpDue;
        this.#background('resync', async () => {
          await this.#catchUp({ isStart });
          if (isStart) this.#isStartCatchUpDue = false;
        });
      },
      onDisconnected: (closeCode, isFinal, reason) => {
        const state = isFinal ? 'stopped' : 'disconnected';
        const closeReason = reason === '' ? null : reason;
        this.#engine.ctx.hub.emit({ type: 'connection_changed', state, closeCode, closeReason });
      },
    });
    this.#live.start();
  }

  /** Stops the connection and waits for running work; the store stays open (the caller's). */
  async close(): Promise<void> {
    this.#isClosed = true;
    this.#engine.history.stop();
    this.#live?.stop();
    this.#live = null;
    this.#engine.typingReceiver.close();
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
    await this.#lock.idle();
  }

  get isConnected(): boolean {
    return this.#live?.isConnected ?? false;
  }

  subscribe(listener: MessagingEventListener): () => void {
    return this.#engine.ctx.hub.subscribe(listener);
  }

  /** The events as an async iterator, from the moment of this call. */
  events(signal?: AbortSignal): AsyncIterableIterator<MessagingEvent> {
    return this.#engine.ctx.hub.events(signal);
  }

  /**
   * Fetches the user's history backup of the conversation and merges it into this device's
   * store (a device that joined late does this by itself). Returns how many messages were new.
   */
  async restoreHistory(conversationId: string): Promise<number> {
    this.#assertOpen();
    return this.#engine.history.restore(conversationId);
  }

  /** Restores what is pending and sends every changed block of the history backup now. */
  async backUpHistory(): Promise<void> {
    this.#assertOpen();
    await this.#engine.history.runNow();
  }

  /** Catches up, then reconciles every group with the server's roster (ADR 0008). */
  async sync(): Promise<void> {
    this.#assertOpen();
    await this.#engine.policy.refresh();
    await this.#engine.stream.sync();
    await this.#engine.reconciler.reconcileAll({ isStart: false });
  }

  /**
   * The organization's policy as last read from the server (on start and on every sync), read
   * now if it never was (and failing when it cannot be). canSaveFiles(policy) tells whether
   * the app may save files to the device.
   */
  async policy(): Promise<OrganizationPolicy> {
    return this.#engine.policy.current();
  }

  /** Events obtained outside sync and the WebSocket (e.g. a push), processed the same way. */
  async receive(events: readonly SyncEvent[]): Promise<void> {
    this.#assertOpen();
    await this.#engine.stream.receive(events.map(fromSyncEvent));
  }

  async createConversation(input: CreateConversationInput): Promise<ConversationSummary> {
    this.#assertOpen();
    return this.#engine.conversations.create(input);
  }

  async listConversations(): Promise<ConversationSummary[]> {
    return this.#engine.conversations.list();
  }

  async conversation(conversationId: string): Promise<ConversationSummary | null> {
    return this.#engine.conversations.get(conversationId);
  }

  /**
   * Whether this user may post (send text) here: in groups and direct conversations every
   * member, in announcement channels owners and posters; others only respond (acknowledge,
   * react, read). Asks the server's roster.
   */
  async mayPost(conversationId: string): Promise<boolean> {
    return this.#engine.ctx.roster.mayPost(conversationId, this.userId);
  }

  async addMembers(
    conversationId: string,
    userIds: readonly string[],
    role?: ConversationRole,
  ): Promise<string[]> {
    this.#assertOpen();
    return this.#engine.conversations.addMembers(conversationId, userIds, role);
  }

  /**
   * The user leaves the conversation (all their devices). This device deletes its group state
   * and keeps the timeline, read-only; the other members' devices commit the removal. The last
   * owner of a group or channel names a member as the new owner, or gets last_owner.
   */
  async leaveConversation(
    conversationId: string,
    options: { readonly successorUserId?: string } = {},
  ): Promise<void> {
    this.#assertOpen();
    await this.#engine.reconciler.leave(conversationId, () =>
      this.#engine.rosterApi.leave(conversationId, options.successorUserId ?? null),
    );
  }

  async removeMembers(conversationId: string, userIds: readonly string[]): Promise<string[]> {
    this.#assertOpen();
    return this.#engine.conversations.removeMembers(conversationId, userIds);
  }

  async rename(conversationId: string, name: string | null, topic: string | null): Promise<void> {
    this.#assertOpen();
    await this.#engine.conversations.rename(conversationId, name, topic);
  }

  /**
   * The server's roster, read now: kind, each member's role (owners change members; in
   * channels owners and posters post) and former members; null when the user is no member.
   */
  async roster(conversationId: string): Promise<ConversationView | null> {
    return this.#engine.ctx.roster.refresh(conversationId);
  }

  /** The safety code of the user and a colleague, to compare in person (see SafetyCodes). */
  async safetyCode(userId: string): Promise<SafetyCode> {
    return this.#safetyCodes().of(userId);
  }

  /** Whether the user marked the colleague's pinned identity key verified. */
  async isVerified(userId: string): Promise<boolean> {
    return this.#safetyCodes().isVerified(userId);
  }

  /** Marks the colleague's pinned identity key verified, once the safety codes matched. */
  async markVerified(userId: string): Promise<void> {
    this.#assertOpen();
    await this.#safetyCodes().markVerified(userId);
  }

  #safetyCodes(): SafetyCodes {
    const own = { userId: this.userId, identityPublicKey: this.identityPublicKey };
    return new SafetyCodes(new StoredIdentityKeyPins(this.#options.store, own), own);
  }

  /**
   * Stores the message in the outbox, then sends it; resolves once the server stored it. Throws
   * send_pending when the server cannot be reached (the outbox sends it later) and send_refused
   * when it was refused for good.
   */
  async send(conversationId: string, content: MessageContentInput): Promise<SentMessage> {
    this.#assertOpen();
    if (content.type === 'read') await this.#engine.reads.requireAllowed();
    return this.#engine.sender.send(conversationId, content);
  }

  async sendText(conversationId: string, text: string): Promise<SentMessage> {
    return this.send(conversationId, { type: 'text', text });
  }

  /**
   * Tells the other members' connected devices that this user is (or stopped) typing; never
   * stored anywhere. Call it on every keystroke, and with false when the draft is sent or
   * cleared: a change goes out at once, a repeat at most every 3 s, nothing while offline.
   * Resolves true when a typing message went out.
   */
  async setTyping(conversationId: string, isTyping: boolean): Promise<boolean> {
    this.#assertOpen();
    return this.#engine.typingSender.setTyping(conversationId, isTyping);
  }

  /** Sends what waits in the outbox (after a restart, a lost connection). */
  async flushOutbox(): Promise<void> {
    this.#assertOpen();
    await this.#engine.sender.flush();
  }

  async pendingMessages(conversationId?: string): Promise<OutboxEntry[]> {
    const pending = await this.#engine.ctx.outbox.pending();
    return conversationId === undefined
      ? pending
      : pending.filter((e) => e.conversationId === conversationId);
  }

  /**
   * The texts of the conversation that wait in this device's outbox, oldest first, with the
   * message id each will have: a view shows them as waiting, also after the app was reopened.
   */
  async pendingTexts(conversationId: string): Promise<PendingText[]> {
    const texts: PendingText[] = [];
    for (const entry of await this.pendingMessages(conversationId)) {
      const { content } = decodeApplicationPayload(entry.payload);
      if (content.type === 'text') texts.push({ messageId: entry.messageId, content });
    }
    return texts;
  }

  /** The whole timeline of the conversation; a view reads it a page at a time (timelinePage). */
  async timeline(conversationId: string): Promise<TimelineItem[]> {
    const audience = await this.#engine.acknowledgements.audience(conversationId);
    const items = await timelineOf(this.#engine.ctx.messages, conversationId, audience);
    return withMembershipItems(new MembershipLog(this.#engine.ctx.store), conversationId, items);
  }

  /**
   * A page of the timeline: the newest `limit` messages of the window with the membership
   * changes and failures among them. Open a conversation with `{ limit }`, read older pages with
   * `{ beforeSeq: page.fromSeq, limit }`, and what arrived since with `{ afterSeq: newest seq }`.
   */
  async timelinePage(conversationId: string, window: SeqWindow): Promise<TimelinePage> {
    const audience = await this.#engine.acknowledgements.audience(conversationId);
    const page = await timelinePageOf(this.#engine.ctx.messages, conversationId, window, audience);
    const items = await withMembershipItems(
      new MembershipLog(this.#engine.ctx.store),
      conversationId,
      page.items,
      { ...window, afterSeq: page.fromSeq - 1 },
    );
    return { ...page, items };
  }

  /** One message as the timeline shows it, or null when this device does not hold it. */
  async timelineMessage(conversationId: string, messageId: string): Promise<TimelineItem | null> {
    const record = await this.#engine.ctx.messages.message(conversationId, messageId);
    if (record === null) return null;
    return messageItem(record, await this.#engine.acknowledgements.audience(conversationId));
  }

  /** Per member, the newest message they read; only the user's own when receipts are off. */
  async readMarkers(conversationId: string): Promise<ReadMarkers> {
    return this.#engine.reads.visibleMarkers(conversationId);
  }

  /**
   * Marks the conversation read up to the message. The read state is kept on this device; the
   * other members learn it only when the organization allows read receipts.
   */
  async markRead(conversationId: string, messageId: string): Promise<{ isReceiptSent: boolean }> {
    this.#assertOpen();
    return this.#engine.reads.markRead(conversationId, messageId);
  }

  /** Channels: acknowledges a post for this user (once; a repeat sends nothing). */
  async acknowledge(conversationId: string, messageId: string): Promise<void> {
    this.#assertOpen();
    await this.#engine.acknowledgements.acknowledge(conversationId, messageId);
  }

  /** Channels: who acknowledged the post and which members have not yet. */
  async acknowledgements(conversationId: string, messageId: string): Promise<AcknowledgementList> {
    return this.#engine.acknowledgements.list(conversationId, messageId);
  }

  /**
   * Encrypts a file on this device as it uploads (resumably, over tus) and sends a message that
   * refers to it; the key, name and type travel only inside that message.
   */
  async sendFile(conversationId: string, file: FileToSend): Promise<SentFile> {
    this.#assertOpen();
    return this.#engine.attachments.sendFile(conversationId, file);
  }

  /** The thumbnail of a message's attachment (authenticated bytes), or null when it has none. */
  async attachmentThumbnail(
    conversationId: string,
    messageId: string,
    index = 0,
  ): Promise<{ readonly thumbnail: ThumbnailRef; readonly bytes: Uint8Array } | null> {
    this.#assertOpen();
    return this.#engine.attachments.thumbnail(conversationId, messageId, index);
  }

  /** A message's attachment, decrypted as it streams from the server (see Attachments.open). */
  async openAttachment(
    conversationId: string,
    messageId: string,
    index = 0,
  ): Promise<OpenedAttachment> {
    this.#assertOpen();
    return this.#engine.attachments.open(conversationId, messageId, index);
  }

  /**
   * Encrypts and uploads a file for a transfer link ("Dateitransfer"): expiry, optional download
   * limit and password; the link, which holds the key, is returned once (see Transfers).
   */
  async sendTransfer(file: FileToTransfer, options: TransferOptions): Promise<CreatedTransfer> {
    this.#assertOpen();
    return this.#engine.transfers.send(file, options);
  }

  /**
   * Hands a transfer's link to colleagues: each gets it in the direct conversation with them
   * (started when there is none), end-to-end encrypted like any message, and opens it in the
   * app. The link's expiry, download limit and password apply to them as to anyone.
   */
  async sendTransferLink(
    created: CreatedTransfer,
    userIds: readonly string[],
    note?: string,
  ): Promise<SentMessage[]> {
    this.#assertOpen();
    const text =
      note === undefined || note.trim() === '' ? created.link : `${note}\n${created.link}`;
    const sent: SentMessage[] = [];
    for (const userId of new Set(userIds)) {
      const conversationId = await this.#directConversationWith(userId);
      sent.push(await this.send(conversationId, { type: 'text', text }));
    }
    return sent;
  }

  async #directConversationWith(userId: string): Promise<string> {
    const existing = (await this.listConversations()).find(
      (c) => c.kind === 'direct' && !c.isRemoved && c.members.some((m) => m.userId === userId),
    );
    if (existing !== undefined) return existing.conversationId;
    return (await this.createConversation({ kind: 'direct', memberUserIds: [userId] }))
      .conversationId;
  }

  /** A transfer link to a message's attachment, without uploading it again. */
  async shareAttachment(
    conversationId: string,
    messageId: string,
    options: TransferOptions & { readonly index?: number },
  ): Promise<CreatedTransfer> {
    this.#assertOpen();
    const message = await this.#engine.ctx.messages.message(conversationId, messageId);
    const attachment =
      message?.content?.type === 'text'
        ? message.content.attachments[options.index ?? 0]
        : undefined;
    if (attachment === undefined) {
      throw new MessagingError('message_not_found', 'no such attachment on this device');
    }
    return this.#engine.transfers.shareAttachment(attachment, options);
  }

  /** The user's transfers, newest first, with their downloads. */
  async listTransfers(): Promise<Transfer[]> {
    this.#assertOpen();
    return this.#engine.transfers.list();
  }

  /** Ends a transfer at once (its link opens nothing any more). */
  async revokeTransfer(transferId: string): Promise<Transfer> {
    this.#assertOpen();
    return this.#engine.transfers.revoke(transferId);
  }

  /** Colleagues of the organization by name or department, a page at a time. */
  async searchDirectory(
    query: string,
    page: { readonly limit?: number; readonly after?: string } = {},
  ): Promise<DirectoryPage> {
    return this.#engine.ctx.api.searchDirectory(query, page);
  }

  /**
   * The colleagues behind user ids seen in conversations (senders, members), disabled ones
   * included (isActive false); ids of no colleague are absent. Any number of ids, asked for in
   * batches of MAX_DIRECTORY_LOOKUP_IDS.
   */
  async lookupUsers(userIds: readonly string[]): Promise<DirectoryLookupEntry[]> {
    const api = this.#engine.ctx.api;
    return lookupInBatches(userIds, (batch) => api.lookupUsers(batch));
  }

  /** Catches up with the server and sends the outbox; the start also tops up key packages. */
  async #catchUp(options: { readonly isStart: boolean }): Promise<void> {
    if (options.isStart) await this.#engine.keyPackages.replenish();
    await this.#engine.policy.refresh();
    await this.#engine.stream.sync();
    // At the start: joins what the user is in and this device is not, also without a Welcome
    // (ADR 0008).
    await this.#engine.reconciler.reconcileAll(options);
    await this.#flushQuietly();
  }

  async #flushQuietly(): Promise<void> {
    try {
      await this.#engine.sender.flush();
    } catch (error) {
      if (error instanceof MessagingError && error.code === 'send_pending') return;
      throw error;
    }
  }

  #background(task: string, run: () => Promise<void>): void {
    if (this.#isClosed) return;
    const promise = run()
      .catch((error: unknown) => {
        this.#engine.ctx.hub.emit({
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
