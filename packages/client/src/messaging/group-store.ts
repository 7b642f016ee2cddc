import {
  base64urlDecode,
  base64urlEncode,
  importGroup,
  type DeviceAuthenticationService,
  type MlsGroup,
} from '@amtsbote/crypto';
import { CONVERSATION_KINDS, type ConversationKind } from '@amtsbote/protocol';
import { z } from 'zod';
import { JsonCollection } from '../store/json-collection.js';
import type { LocalStore, StoreOperation } from '../store/local-store.js';

/*
 * Per conversation, in the 'groups' collection: the MLS group state (secret), what this device
 * knows about the conversation (kind, and the name and topic from encrypted metadata), and a
 * commit sent but not yet answered. Callers write these in their own transactions through the
 * *Operation methods, and tell the repository afterwards (remember), so the cache never holds a
 * state that did not reach the store.
 */

const stateKey = (conversationId: string): string => `state/${conversationId}`;
const infoKey = (conversationId: string): string => `info/${conversationId}`;
const pendingKey = (conversationId: string): string => `pending/${conversationId}`;
const INFO_PREFIX = 'info/';

const infoSchema = z.strictObject({
  v: z.literal(1),
  conversationId: z.uuid(),
  kind: z.enum(CONVERSATION_KINDS).nullable(),
  name: z.string().nullable(),
  topic: z.string().nullable(),
  /** A commit removed this device; the group reads and sends nothing more. */
  isRemoved: z.boolean(),
});
export type ConversationInfo = z.infer<typeof infoSchema>;

const base64url = z.string().regex(/^[A-Za-z0-9_-]*$/);
const pendingSchema = z.strictObject({
  v: z.literal(1),
  /** The epoch the commit builds on. */
  epoch: z.number().int().min(0),
  commit: base64url,
  /** The group after the commit, kept once the server's echo of the commit shows it won. */
  state: base64url,
});

export interface PendingCommit {
  readonly epoch: number;
  readonly commit: Uint8Array;
  readonly group: MlsGroup;
}

export function newConversationInfo(
  conversationId: string,
  kind: ConversationKind | null,
): ConversationInfo {
  return { v: 1, conversationId, kind, name: null, topic: null, isRemoved: false };
}

export class GroupStore {
  readonly #store: LocalStore;
  readonly #auth: DeviceAuthenticationService;
  readonly #info: JsonCollection<ConversationInfo>;
  readonly #pending: JsonCollection<z.infer<typeof pendingSchema>>;
  readonly #groups = new Map<string, MlsGroup>();

  constructor(store: LocalStore, auth: DeviceAuthenticationService) {
    this.#store = store;
    this.#auth = auth;
    this.#info = new JsonCollection(store, 'groups', infoSchema);
    this.#pending = new JsonCollection(store, 'groups', pendingSchema);
  }

  async group(conversationId: string): Promise<MlsGroup | null> {
    const cached = this.#groups.get(conversationId);
    if (cached !== undefined) return cached;
    const bytes = await this.#store.get('groups', stateKey(conversationId));
    if (bytes === null) return null;
    const group = await importGroup(bytes, this.#auth);
    this.#groups.set(conversationId, group);
    return group;
  }

  groupOperation(conversationId: string, group: MlsGroup): StoreOperation {
    return {
      type: 'put',
      collection: 'groups',
      key: stateKey(conversationId),
      value: group.export(),
    };
  }

  /** Call after the transaction holding groupOperation committed. */
  remember(conversationId: string, group: MlsGroup): void {
    this.#groups.set(conversationId, group);
  }

  /** Deletes the group state (the device left); call forget() once the transaction committed. */
  stateDeleteOperation(conversationId: string): StoreOperation {
    return { type: 'delete', collection: 'groups', key: stateKey(conversationId) };
  }

  forget(conversationId: string): void {
    this.#groups.delete(conversationId);
  }

  async info(conversationId: string): Promise<ConversationInfo | null> {
    return this.#info.get(infoKey(conversationId));
  }

  infoOperation(info: ConversationInfo): StoreOperation {
    return this.#info.putOperation(infoKey(info.conversationId), info);
  }

  async conversationIds(): Promise<string[]> {
    const keys = await this.#info.keys({ prefix: INFO_PREFIX });
    return keys.map((key) => key.slice(INFO_PREFIX.length));
  }

  async savePending(conversationId: string, pending: PendingCommit): Promise<void> {
    await this.#pending.put(pendingKey(conversationId), {
      v: 1,
      epoch: pending.epoch,
      commit: base64urlEncode(pending.commit),
      state: base64urlEncode(pending.group.export()),
    });
  }

  async pending(conversationId: string): Promise<PendingCommit | null> {
    const record = await this.#pending.get(pendingKey(conversationId));
    if (record === null) return null;
    return {
      epoch: record.epoch,
      commit: base64urlDecode(record.commit),
      group: await importGroup(base64urlDecode(record.state), this.#auth),
    };
  }

  pendingDeleteOperation(conversationId: string): StoreOperation {
    return this.#pending.deleteOperation(pendingKey(conversationId));
  }
}
