import type { ConversationSummary } from '@amtsbote/client';
import type { TFunction } from 'i18next';
import type { PeopleCache } from './people.js';

/** The users in a conversation other than this one. */
export function otherUserIds(summary: ConversationSummary, ownUserId: string): string[] {
  return [...new Set(summary.members.map((m) => m.userId))].filter((id) => id !== ownUserId);
}

/** The name shown for a conversation: its own, else for a direct one the other person's. */
export function conversationTitle(
  summary: ConversationSummary,
  ownUserId: string,
  people: PeopleCache,
  t: TFunction,
): string {
  if (summary.name !== null && summary.name !== '') return summary.name;
  const others = otherUserIds(summary, ownUserId);
  if (summary.kind === 'direct' && others[0] !== undefined) {
    return people.get(others[0])?.displayName ?? t('chat.unknownUser');
  }
  return t('chat.unnamedGroup');
}

/** The name of a user as a message shows it: "You" for this user. */
export function personName(
  userId: string,
  ownUserId: string,
  people: PeopleCache,
  t: TFunction,
): string {
  if (userId === ownUserId) return t('chat.you');
  return people.get(userId)?.displayName ?? t('chat.unknownUser');
}
