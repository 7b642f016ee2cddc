import type { ConversationRole, FormerMember, MemberDeparture } from '@amtsbote/protocol';
import { sql, type Kysely } from 'kysely';
import type { ConversationRow, Database } from '../storage/schema.js';

/* Queries on conversations, their user membership and the devices routed in them. */

export interface WriterState {
  readonly kind: ConversationRow['kind'];
  readonly epoch: number;
  readonly lastSeq: number;
  /** The caller's role, null when their user is not a current member. */
  readonly role: ConversationRole | null;
  /** Whether the caller's device is in the group now (routed, no end set, live). */
  readonly isDeviceRouted: boolean;
}

/**
 * Takes the conversation's row lock until the transaction ends and reads what a writer needs:
 * everything that changes epoch or seq goes through here, so they change one at a time.
 */
export async function lockConversationForWriter(
  db: Kysely<Database>,
  organizationId: string,
  conversationId: string,
  caller: { readonly userId: string; readonly deviceId: string },
): Promise<WriterState | undefined> {
  const row = await db
    .selectFrom('conversations as c')
    .leftJoin('conversation_members as m', (join) =>
      join
        .onRef('m.conversation_id', '=', 'c.id')
        .on('m.user_id', '=', caller.userId)
        .on('m.removed_at', 'is', null),
    )
    .select((eb) => [
      'c.kind',
      'c.epoch',
      'c.last_seq',
      'm.role',
      eb
        .exists(
          eb
            .selectFrom('conversation_devices as cd')
            .innerJoin('devices as d', 'd.id', 'cd.device_id')
            .innerJoin('users as u', 'u.id', 'd.user_id')
            .select('cd.device_id')
            .whereRef('cd.conversation_id', '=', 'c.id')
            .where('cd.device_id', '=', caller.deviceId)
            .where('cd.until_seq', 'is', null)
            .where('d.revoked_at', 'is', null)
            .where('u.status', '=', 'active'),
        )
        .as('is_device_routed'),
    ])
    .where('c.id', '=', conversationId)
    .where('c.organization_id', '=', organizationId)
    .forUpdate('c')
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    kind: row.kind,
    epoch: row.epoch,
    lastSeq: row.last_seq,
    role: row.role,
    isDeviceRouted: Boolean(row.is_device_routed),
  };
}

/** The caller's role in a conversation of their organization; undefined when not a member. */
export async function findMemberRole(
  db: Kysely<Database>,
  organizationId: string,
  conversationId: string,
  userId: string,
): Promise<ConversationRole | undefined> {
  const row = await db
    .selectFrom('conversation_members as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .select('m.role')
    .where('c.id', '=', conversationId)
    .where('c.organization_id', '=', organizationId)
    .where('m.user_id', '=', userId)
    .where('m.removed_at', 'is', null)
    .executeTakeFirst();
  return row?.role;
}

/** Inserts the conversation unless its id is taken; returns whether it did. */
export async function insertConversation(
  db: Kysely<Database>,
  row: ConversationRow,
): Promise<boolean> {
  const inserted = await db
    .insertInto('conversations')
    .values(row)
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export interface MemberChange {
  readonly userId: string;
  readonly role: ConversationRole;
}

/** Adds members, or gives existing and former ones the new role (and brings former ones back). */
export async function upsertMembers(
  db: Kysely<Database>,
  conversationId: string,
  members: readonly MemberChange[],
  at: Date,
): Promise<void> {
  if (members.length === 0) return;
  await db
    .insertInto('conversation_members')
    .values(
      members.map((m) => ({
        conversation_id: conversationId,
        user_id: m.userId,
        role: m.role,
        added_at: at,
        removed_at: null,
        departure: null,
        departed_seq: null,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['conversation_id', 'user_id']).doUpdateSet({
        role: (eb) => eb.ref('excluded.role'),
        added_at: sql<Date>`case when conversation_members.removed_at is null
          then conversation_members.added_at else excluded.added_at end`,
        removed_at: null,
        departure: null,
        departed_seq: null,
      }),
    )
    .execute();
}

/**
 * Marks users as former members, members up to untilSeq, and ends the routing of their devices
 * after it.
 */
export async function removeMembers(
  db: Kysely<Database>,
  conversationId: string,
  userIds: readonly string[],
  untilSeq: number,
  at: Date,
  departure: MemberDeparture = 'removed',
): Promise<void> {
  if (userIds.length === 0) return;
  await db
    .updateTable('conversation_members')
    .set({ removed_at: at, departure, departed_seq: untilSeq })
    .where('conversation_id', '=', conversationId)
    .where('user_id', 'in', userIds)
    .where('removed_at', 'is', null)
    .execute();
  await db
    .updateTable('conversation_devices')
    .set({ until_seq: untilSeq })
    .where('conversation_id', '=', conversationId)
    .where('user_id', 'in', userIds)
    .where('until_seq', 'is', null)
    .execute();
}

/** Of the given users, those that are active users of the organization. */
export async function findActiveUserIds(
  db: Kysely<Database>,
  organizationId: string,
  userIds: readonly string[],
): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('users')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where('id', 'in', userIds)
    .where('status', '=', 'active')
    .execute();
  return new Set(rows.map((r) => r.id));
}

export interface ConversationAdvance {
  readonly isNewEpoch: boolean;
  /** Commits replace the public group state; null clears a state that would be stale. */
  readonly publicState?: {
    readonly groupInfo: Uint8Array | null;
    readonly ratchetTree: Uint8Array | null;
  };
}

/** Takes the next seq (and epoch, for a commit). Call with the row lock held. */
export async function advanceConversation(
  db: Kysely<Database>,
  conversationId: string,
  advance: ConversationAdvance,
): Promise<{ epoch: number; seq: number }> {
  const row = await db
    .updateTable('conversations')
    .set((eb) => ({
      last_seq: eb('last_seq', '+', 1),
      ...(advance.isNewEpoch ? { epoch: eb('epoch', '+', 1) } : {}),
      ...(advance.publicState === undefined
        ? {}
        : {
            group_info: advance.publicState.groupInfo,
            ratchet_tree: advance.publicState.ratchetTree,
          }),
    }))
    .where('id', '=', conversationId)
    .returning(['epoch', 'last_seq'])
    .executeTakeFirstOrThrow();
  return { epoch: row.epoch, seq: row.last_seq };
}

/** The conversations the user is a current member of, oldest first. */
export async function listConversationIdsOfUser(
  db: Kysely<Database>,
  organizationId: string,
  userId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('conversation_members as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .select('c.id')
    .where('c.organization_id', '=', organizationId)
    .where('m.user_id', '=', userId)
    .where('m.removed_at', 'is', null)
    .orderBy('c.created_at')
    .orderBy('c.id')
    .execute();
  return rows.map((r) => r.id);
}

export interface ConversationDetails {
  readonly conversation: Omit<ConversationRow, 'group_info' | 'ratchet_tree'>;
  readonly members: readonly MemberChange[];
  readonly deviceIds: readonly string[];
  readonly formerMembers: readonly FormerMember[];
}

/** The conversations with their members (current and former) and live routed devices. */
export async function loadConversationDetails(
  db: Kysely<Database>,
  conversationIds: readonly string[],
): Promise<ConversationDetails[]> {
  if (conversationIds.length === 0) return [];
  const [conversations, members, devices] = await Promise.all([
    db
      .selectFrom('conversations')
      .select([
        'id',
        'organization_id',
        'kind',
        'ciphersuite',
        'epoch',
        'last_seq',
        'created_by',
        'created_at',
      ])
      .where('id', 'in', conversationIds)
      .execute(),
    db
      .selectFrom('conversation_members')
      .select(['conversation_id', 'user_id', 'role', 'departure', 'departed_seq'])
      .where('conversation_id', 'in', conversationIds)
      .orderBy('added_at')
      .orderBy('user_id')
      .execute(),
    db
      .selectFrom('conversation_devices as cd')
      .innerJoin('devices as d', 'd.id', 'cd.device_id')
      .innerJoin('users as u', 'u.id', 'd.user_id')
      .select(['cd.conversation_id', 'cd.device_id'])
      .where('cd.conversation_id', 'in', conversationIds)
      .where('cd.until_seq', 'is', null)
      .where('d.revoked_at', 'is', null)
      .where('u.status', '=', 'active')
      .orderBy('cd.from_seq')
      .orderBy('cd.device_id')
      .execute(),
  ]);
  const byId = new Map(conversations.map((c) => [c.id, c]));
  const membersOf = groupBy(members, (m) => m.conversation_id);
  const devicesOf = groupBy(devices, (d) => d.conversation_id);
  return conversationIds.flatMap((id) => {
    const conversation = byId.get(id);
    if (conversation === undefined) return [];
    return [
      {
        conversation,
        members: (membersOf.get(id) ?? []).flatMap((m) =>
          m.departure === null ? [{ userId: m.user_id, role: m.role }] : [],
        ),
        deviceIds: (devicesOf.get(id) ?? []).map((d) => d.device_id),
        formerMembers: (membersOf.get(id) ?? []).flatMap((m) =>
          m.departure === null
            ? []
            : [{ userId: m.user_id, departure: m.departure, departedAtSeq: m.departed_seq }],
        ),
      },
    ];
  });
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return groups;
}

export async function findPublicState(
  db: Kysely<Database>,
  conversationId: string,
): Promise<Pick<ConversationRow, 'epoch' | 'group_info' | 'ratchet_tree'> | undefined> {
  return db
    .selectFrom('conversations')
    .select(['epoch', 'group_info', 'ratchet_tree'])
    .where('id', '=', conversationId)
    .executeTakeFirst();
}
