import type {
  ConversationRole,
  ConversationView,
  CiphersuiteId,
  createConversationRequestSchema,
  updateMembersRequestSchema,
} from '@amtsbote/protocol';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { AppError, notFound } from '../errors.js';
import type { Principal } from '../identity/sessions.js';
import type { Database } from '../storage/schema.js';
import { invalidField } from './bytes.js';
import {
  findActiveUserIds,
  findMemberRole,
  insertConversation,
  listConversationIdsOfUser,
  loadConversationDetails,
  lockConversationForWriter,
  removeMembers,
  upsertMembers,
  type ConversationDetails,
  type MemberChange,
} from './conversations-store.js';
import { noticeMembershipChanged } from './membership-notices.js';
import type { MessagingContext } from './messaging-context.js';
import { addRoutedDevices } from './routing-store.js';

/*
 * Conversations and their USER membership: who is authorised to be in the MLS group. The MLS
 * group itself (which devices) changes only by commits (commit-service.ts).
 */

export const conversationNotFound = (): AppError =>
  notFound('conversation_not_found', 'conversation');

function toView(details: ConversationDetails): ConversationView {
  const { conversation } = details;
  return {
    id: conversation.id,
    kind: conversation.kind,
    ciphersuite: conversation.ciphersuite as CiphersuiteId,
    epoch: conversation.epoch,
    lastSeq: conversation.last_seq,
    createdAt: conversation.created_at.toISOString(),
    members: details.members.map((m) => ({ userId: m.userId, role: m.role })),
    deviceIds: [...details.deviceIds],
    formerMembers: [...details.formerMembers],
  };
}

async function requireActiveUsers(
  db: Kysely<Database>,
  principal: Principal,
  userIds: readonly string[],
): Promise<void> {
  const active = await findActiveUserIds(db, principal.organizationId, userIds);
  if (active.size !== userIds.length) throw notFound('user_not_found', 'user');
}

export async function createConversation(
  ctx: MessagingContext,
  principal: Principal,
  input: z.output<typeof createConversationRequestSchema>,
): Promise<ConversationView> {
  const others = [...new Set(input.memberUserIds)].filter((id) => id !== principal.userId);
  const posters = new Set(input.posterUserIds.filter((id) => id !== principal.userId));
  if (input.kind === 'direct' && others.length !== 1) {
    throw invalidField('memberUserIds', 'a direct conversation has exactly one other member');
  }
  if (input.kind !== 'channel' && posters.size > 0) {
    throw invalidField('posterUserIds', 'only channels have posters');
  }
  if ([...posters].some((id) => !others.includes(id))) {
    throw invalidField('posterUserIds', 'posters must be members');
  }
  await requireActiveUsers(ctx.db, principal, others);

  const now = ctx.clock.now();
  const members: MemberChange[] = [
    { userId: principal.userId, role: 'owner' },
    ...others.map((userId): MemberChange => ({
      userId,
      role: posters.has(userId) ? 'poster' : 'member',
    })),
  ];
  await ctx.db.transaction().execute(async (tx) => {
    const isCreated = await insertConversation(tx, {
      id: input.conversationId,
      organization_id: principal.organizationId,
      kind: input.kind,
      ciphersuite: input.ciphersuite,
      epoch: 0,
      last_seq: 0,
      created_by: principal.userId,
      created_at: now,
      group_info: null,
      ratchet_tree: null,
    });
    if (!isCreated) {
      throw new AppError(409, 'conversation_exists', 'the conversation id is taken');
    }
    await upsertMembers(tx, input.conversationId, members, now);
    // The creator's device is the MLS group's first member, at epoch 0 before any event.
    await addRoutedDevices(
      tx,
      input.conversationId,
      [{ deviceId: principal.deviceId, userId: principal.userId }],
      0,
    );
  });
  return describeConversation(ctx, principal, input.conversationId);
}

export async function listConversations(
  ctx: MessagingContext,
  principal: Principal,
): Promise<ConversationView[]> {
  const ids = await listConversationIdsOfUser(ctx.db, principal.organizationId, principal.userId);
  return (await loadConversationDetails(ctx.db, ids)).map(toView);
}

/** A conversation the caller's user is a member of; anything else is "not found". */
export async function describeConversation(
  ctx: MessagingContext,
  principal: Principal,
  conversationId: string,
): Promise<ConversationView> {
  const role = await findMemberRole(
    ctx.db,
    principal.organizationId,
    conversationId,
    principal.userId,
  );
  if (role === undefined) throw conversationNotFound();
  const [details] = await loadConversationDetails(ctx.db, [conversationId]);
  if (details === undefined) throw conversationNotFound();
  return toView(details);
}

/**
 * Changes who may be in the conversation; owners only. Removed users' devices stop receiving
 * at once; members' clients then commit the MLS removal.
 */
export async function updateMembers(
  ctx: MessagingContext,
  principal: Principal,
  conversationId: string,
  input: z.output<typeof updateMembersRequestSchema>,
): Promise<ConversationView> {
  const added = new Map<string, ConversationRole>(input.add.map((m) => [m.userId, m.role]));
  const removed = [...new Set(input.remove)];
  if (added.size !== input.add.length) throw invalidField('add', 'a user is listed twice');
  if (removed.some((id) => added.has(id))) {
    throw invalidField('remove', 'a user is both added and removed');
  }
  if (removed.includes(principal.userId) || added.has(principal.userId)) {
    throw invalidField('remove', 'owners cannot remove themselves or change their own role');
  }
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (tx) => {
    const state = await lockConversationForWriter(tx, principal.organizationId, conversationId, {
      userId: principal.userId,
      deviceId: principal.deviceId,
    });
    if (state === undefined || state.role === null) throw conversationNotFound();
    if (state.role !== 'owner') {
      throw new AppError(403, 'forbidden', 'only owners change the members');
    }
    if (state.kind === 'direct') {
      throw invalidField('add', 'the members of a direct conversation do not change');
    }
    if (state.kind !== 'channel' && [...added.values()].includes('poster')) {
      throw invalidField('add', 'only channels have posters');
    }
    await requireActiveUsers(tx, principal, [...added.keys()]);
    await upsertMembers(
      tx,
      conversationId,
      [...added].map(([userId, role]) => ({ userId, role })),
      now,
    );
    await removeMembers(tx, conversationId, removed, state.lastSeq, now);
  });
  // The owner's device commits the MLS change next; only the users concerned are told (added
  // users' devices catch a Welcome they missed, removed users' devices learn they are out).
  await noticeMembershipChanged(ctx, [conversationId], {
    members: false,
    userIds: [...added.keys(), ...removed],
  });
  return describeConversation(ctx, principal, conversationId);
}
