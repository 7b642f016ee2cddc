import type { ConversationKind, ConversationRole, ConversationView } from '@amtsbote/protocol';
import { ApiError } from '../http-api.js';
import type { MessagingApi } from './messaging-api.js';

/*
 * The server's roster of conversations this device has looked at: kind and each member's role.
 * Roles are the server's word: the MLS group proves which devices are in a conversation, but
 * not who may post in a channel. A wrong roster can let a non-poster's post through or hide a
 * poster's post; it can never let anyone read what they could not. Kept in memory only; read
 * again from the server whenever an answer would be "no", so promotions are seen at once.
 */
export class ConversationRoster {
  readonly #api: MessagingApi;
  readonly #views = new Map<string, ConversationView>();

  constructor(api: MessagingApi) {
    this.#api = api;
  }

  /** The roster as last read, or read now; null when the user is not a member (any more). */
  async view(conversationId: string): Promise<ConversationView | null> {
    return this.#views.get(conversationId) ?? this.refresh(conversationId);
  }

  /** Reads the roster from the server. */
  async refresh(conversationId: string): Promise<ConversationView | null> {
    let view: ConversationView;
    try {
      view = await this.#api.conversation(conversationId);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        this.#views.delete(conversationId);
        return null;
      }
      throw error;
    }
    this.#views.set(conversationId, view);
    return view;
  }

  async kindOf(conversationId: string): Promise<ConversationKind | null> {
    return (await this.view(conversationId))?.kind ?? null;
  }

  /** Whether the user may post: anyone outside channels, owners and posters in them. */
  async mayPost(conversationId: string, userId: string): Promise<boolean> {
    const cached = await this.view(conversationId);
    if (cached !== null && mayPostIn(cached, userId)) return true;
    const fresh = await this.refresh(conversationId);
    return fresh !== null && mayPostIn(fresh, userId);
  }
}

function roleOf(view: ConversationView, userId: string): ConversationRole | null {
  return view.members.find((m) => m.userId === userId)?.role ?? null;
}

function mayPostIn(view: ConversationView, userId: string): boolean {
  if (view.kind !== 'channel') return roleOf(view, userId) !== null;
  const role = roleOf(view, userId);
  return role === 'owner' || role === 'poster';
}
