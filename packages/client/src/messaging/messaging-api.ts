import { base64urlDecode, base64urlEncode } from '@amtsbote/crypto';
import {
  claimKeyPackagesResponseSchema,
  conversationViewSchema,
  directoryLookupResponseSchema,
  directoryPageSchema,
  keyPackageStockSchema,
  listConversationsResponseSchema,
  organizationPolicySchema,
  sendMessageResponseSchema,
  submitCommitResponseSchema,
  syncResponseSchema,
  userIdentitySchema,
  type CiphersuiteId,
  type ConversationKind,
  type ConversationRole,
  type ConversationView,
  type DirectoryLookupEntry,
  type DirectoryPage,
  type KeyPackageStock,
  type MessageIntent,
  type OrganizationPolicy,
  type SyncEvent,
  type UserIdentity,
} from '@amtsbote/protocol';
import { z } from 'zod';
import type { HttpApi } from '../http-api.js';

/*
 * The delivery service's HTTP endpoints (ADR 0006), typed, with bytes as Uint8Array on this side
 * and base64url on the wire. Errors are the HttpApi's ApiError with the server's stable code.
 */

export interface ClaimedKeyPackageBytes {
  readonly userId: string;
  readonly deviceId: string;
  readonly keyPackage: Uint8Array;
  readonly isLastResort: boolean;
}

export interface CommitSubmission {
  readonly epoch: number;
  readonly commit: Uint8Array;
  readonly addedDeviceIds: readonly string[];
  readonly removedDeviceIds: readonly string[];
  readonly welcome: Uint8Array | null;
  readonly groupInfo: Uint8Array;
  readonly ratchetTree: Uint8Array;
}

export interface Position {
  readonly seq: number;
}

export interface SentPosition {
  readonly seq: number;
  readonly sentAt: string;
}

export interface Cursor {
  readonly conversationId: string;
  readonly seq: number;
}

const noContentSchema = z.null();

export class MessagingApi {
  readonly #http: HttpApi;

  constructor(http: HttpApi) {
    this.#http = http;
  }

  async publishIdentityKey(publicKey: Uint8Array): Promise<UserIdentity> {
    return this.#http.request(
      'PUT',
      '/api/me/identity-key',
      { publicKey: base64urlEncode(publicKey) },
      userIdentitySchema,
    );
  }

  async userIdentity(userId: string): Promise<UserIdentity> {
    return this.#http.request(
      'GET',
      `/api/users/${encodeURIComponent(userId)}/identity`,
      undefined,
      userIdentitySchema,
    );
  }

  async uploadKeyPackages(
    ciphersuite: CiphersuiteId,
    oneTime: readonly Uint8Array[],
    lastResort: Uint8Array | null,
  ): Promise<KeyPackageStock> {
    return this.#http.request(
      'POST',
      '/api/me/key-packages',
      {
        ciphersuite,
        oneTime: oneTime.map(base64urlEncode),
        ...(lastResort === null ? {} : { lastResort: base64urlEncode(lastResort) }),
      },
      keyPackageStockSchema,
    );
  }

  async keyPackageStock(ciphersuite: CiphersuiteId): Promise<KeyPackageStock> {
    return this.#http.request(
      'GET',
      `/api/me/key-packages?ciphersuite=${ciphersuite}`,
      undefined,
      keyPackageStockSchema,
    );
  }

  async claimKeyPackages(
    ciphersuite: CiphersuiteId,
    userIds: readonly string[],
    excludeDeviceIds: readonly string[],
  ): Promise<ClaimedKeyPackageBytes[]> {
    const { keyPackages } = await this.#http.request(
      'POST',
      '/api/key-packages/claim',
      { ciphersuite, userIds, excludeDeviceIds },
      claimKeyPackagesResponseSchema,
    );
    return keyPackages.map((k) => ({ ...k, keyPackage: base64urlDecode(k.keyPackage) }));
  }

  async createConversation(input: {
    readonly conversationId: string;
    readonly kind: ConversationKind;
    readonly ciphersuite: CiphersuiteId;
    readonly memberUserIds: readonly string[];
    readonly posterUserIds: readonly string[];
  }): Promise<ConversationView> {
    return this.#http.request('POST', '/api/conversations', input, conversationViewSchema);
  }

  async listConversations(): Promise<ConversationView[]> {
    const { conversations } = await this.#http.request(
      'GET',
      '/api/conversations',
      undefined,
      listConversationsResponseSchema,
    );
    return conversations;
  }

  async conversation(conversationId: string): Promise<ConversationView> {
    return this.#http.request(
      'GET',
      `/api/conversations/${encodeURIComponent(conversationId)}`,
      undefined,
      conversationViewSchema,
    );
  }

  async updateMembers(
    conversationId: string,
    change: {
      readonly add: readonly { readonly userId: string; readonly role: ConversationRole }[];
      readonly remove: readonly string[];
    },
  ): Promise<ConversationView> {
    return this.#http.request(
      'POST',
      `/api/conversations/${encodeURIComponent(conversationId)}/members`,
      change,
      conversationViewSchema,
    );
  }

  async submitCommit(conversationId: string, commit: CommitSubmission): Promise<Position> {
    return this.#http.request(
      'POST',
      `/api/conversations/${encodeURIComponent(conversationId)}/commits`,
      {
        epoch: commit.epoch,
        commit: base64urlEncode(commit.commit),
        addedDeviceIds: commit.addedDeviceIds,
        removedDeviceIds: commit.removedDeviceIds,
        ...(commit.welcome === null ? {} : { welcome: base64urlEncode(commit.welcome) }),
        groupInfo: base64urlEncode(commit.groupInfo),
        ratchetTree: base64urlEncode(commit.ratchetTree),
      },
      submitCommitResponseSchema,
    );
  }

  async sendMessage(
    conversationId: string,
    message: {
      readonly messageId: string;
      readonly epoch: number;
      readonly ciphertext: Uint8Array;
      readonly intent: MessageIntent;
    },
  ): Promise<SentPosition> {
    return this.#http.request(
      'POST',
      `/api/conversations/${encodeURIComponent(conversationId)}/messages`,
      {
        messageId: message.messageId,
        epoch: message.epoch,
        ciphertext: base64urlEncode(message.ciphertext),
        intent: message.intent,
      },
      sendMessageResponseSchema,
    );
  }

  /** Active colleagues whose username, display name or department contains the text. */
  async searchDirectory(
    text: string,
    page: { readonly limit?: number; readonly after?: string } = {},
  ): Promise<DirectoryPage> {
    const query = new URLSearchParams({ query: text });
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    if (page.after !== undefined) query.set('after', page.after);
    return this.#http.request(
      'GET',
      `/api/directory?${query.toString()}`,
      undefined,
      directoryPageSchema,
    );
  }

  /**
   * The colleagues of the organization behind the ids (at most MAX_DIRECTORY_LOOKUP_IDS, each
   * once), disabled ones included; ids not found are absent. MessagingClient.lookupUsers batches.
   */
  async lookupUsers(userIds: readonly string[]): Promise<DirectoryLookupEntry[]> {
    const response = await this.#http.request(
      'POST',
      '/api/directory/lookup',
      { userIds },
      directoryLookupResponseSchema,
    );
    return response.users;
  }

  async policy(): Promise<OrganizationPolicy> {
    return this.#http.request('GET', '/api/policy', undefined, organizationPolicySchema);
  }

  async sync(limit: number): Promise<{ events: SyncEvent[]; hasMore: boolean }> {
    return this.#http.request('GET', `/api/sync?limit=${limit}`, undefined, syncResponseSchema);
  }

  async acknowledge(cursors: readonly Cursor[]): Promise<void> {
    if (cursors.length === 0) return;
    await this.#http.request('POST', '/api/sync/ack', { cursors }, noContentSchema);
  }
}
