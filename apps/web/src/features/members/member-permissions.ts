import type { ConversationRole, ConversationView } from '@amtsbote/protocol';

/** What the user may do in a conversation's details, by the server's rules (its roster). */
export interface MemberPermissions {
  /** Groups: every member; channels: owners and posters (a rename is a post). */
  readonly canRename: boolean;
  /** Owners of groups and channels; the members of a direct conversation never change. */
  readonly canChangeMembers: boolean;
  readonly canLeave: boolean;
  /** The last owner of a group or channel with others in it names the next owner to leave. */
  readonly needsSuccessor: boolean;
}

const NOTHING: MemberPermissions = {
  canRename: false,
  canChangeMembers: false,
  canLeave: false,
  needsSuccessor: false,
};

export function roleOf(roster: ConversationView, userId: string): ConversationRole | null {
  return roster.members.find((m) => m.userId === userId)?.role ?? null;
}

/**
 * The server refuses everything else (apps/server/src/messaging: conversation-service.ts,
 * leave-service.ts, message-service.ts); the details show only what it accepts. Being an
 * administrator of the organization gives no rights in conversations.
 */
export function memberPermissions(
  roster: ConversationView | null,
  ownUserId: string,
  isRemoved: boolean,
): MemberPermissions {
  if (roster === null || isRemoved) return NOTHING;
  const role = roleOf(roster, ownUserId);
  if (role === null) return NOTHING;
  const isOwner = role === 'owner';
  const others = roster.members.filter((m) => m.userId !== ownUserId);
  return {
    canRename:
      roster.kind === 'group' || (roster.kind === 'channel' && (isOwner || role === 'poster')),
    canChangeMembers: roster.kind !== 'direct' && isOwner,
    canLeave: true,
    needsSuccessor:
      roster.kind !== 'direct' &&
      isOwner &&
      others.length > 0 &&
      !others.some((m) => m.role === 'owner'),
  };
}
