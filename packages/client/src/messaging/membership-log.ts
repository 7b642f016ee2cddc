import type { MlsGroup } from '@amtsbote/crypto';
import type { MemberDeparture } from '@amtsbote/protocol';
import { z } from 'zod';
import { ApiError } from '../http-api.js';
import { JsonCollection } from '../store/json-collection.js';
import type { LocalStore, StoreOperation } from '../store/local-store.js';
import type { EngineContext } from './engine-context.js';
import type { MemberRef } from './messaging-events.js';
import { inWindow, seqOfKey, type SeqWindow } from './seq-window.js';
import type { TimelineItem } from './timeline.js';

/*
 * Membership changes for the timeline, one record per commit that changed the MLS group, kept in
 * the 'messages' collection under j/<conversation>/<seq>. Each change names one user: their
 * first device joined or was added, another device came or went, or their last device left the
 * group. Whether a user who is gone left or was removed is the server's word (the roster's
 * former members); everything else comes from the MLS group, as this device verified it.
 */

export const MEMBERSHIP_CHANGES = [
  /** The user's first device entered by itself (external commit). */
  'member_joined',
  /** Another member added the user. */
  'member_added',
  /** A further device of a user already in the group. */
  'device_added',
  /** Some of the user's devices left the group (revoked, say); others stay. */
  'device_removed',
  /** The user's last device left the group; the server says they were removed (or nothing). */
  'member_removed',
  /** The user's last device left the group and the server says they left. */
  'member_left',
] as const;
export type MembershipChangeKind = (typeof MEMBERSHIP_CHANGES)[number];

const SEQ_DIGITS = 16;
const prefixOf = (conversationId: string): string => `j/${conversationId}/`;
const keyOf = (conversationId: string, seq: number): string =>
  `${prefixOf(conversationId)}${String(seq).padStart(SEQ_DIGITS, '0')}`;

const memberRefSchema = z.strictObject({ userId: z.uuid(), deviceId: z.uuid() });
const recordSchema = z.strictObject({
  v: z.literal(1),
  conversationId: z.uuid(),
  seq: z.number().int().min(0),
  sentAt: z.string(),
  /** The epoch the commit started. */
  epoch: z.number().int().min(0),
  committer: memberRefSchema.nullable(),
  changes: z
    .array(
      z.strictObject({
        change: z.enum(MEMBERSHIP_CHANGES),
        userId: z.uuid(),
        deviceIds: z.array(z.uuid()),
      }),
    )
    .min(1),
});
export type MembershipRecord = z.infer<typeof recordSchema>;
export type MembershipChange = MembershipRecord['changes'][number];

export class MembershipLog {
  readonly #records: JsonCollection<MembershipRecord>;

  constructor(store: LocalStore) {
    this.#records = new JsonCollection(store, 'messages', recordSchema);
  }

  operation(record: MembershipRecord): StoreOperation {
    return this.#records.putOperation(keyOf(record.conversationId, record.seq), record);
  }

  /** The conversation's membership changes in the window (`limit` is not applied). */
  async records(conversationId: string, window: SeqWindow = {}): Promise<MembershipRecord[]> {
    const records: MembershipRecord[] = [];
    for (const key of await this.#records.keys({ prefix: prefixOf(conversationId) })) {
      if (!inWindow(seqOfKey(key), window)) continue;
      const record = await this.#records.get(key);
      if (record !== null) records.push(record);
    }
    return records;
  }
}

function byUser(members: readonly MemberRef[]): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const m of members) users.set(m.userId, [...(users.get(m.userId) ?? []), m.deviceId]);
  return users;
}

/** What a commit changed, per user, from the members before and after it. */
export function membershipChanges(
  before: readonly MemberRef[],
  after: readonly MemberRef[],
  committer: MemberRef | null,
  departureOf: (userId: string) => MemberDeparture | null,
): MembershipChange[] {
  const [was, is] = [byUser(before), byUser(after)];
  const changes: MembershipChange[] = [];
  for (const [userId, devices] of is) {
    const had = was.get(userId) ?? [];
    const deviceIds = devices.filter((id) => !had.includes(id));
    if (deviceIds.length === 0) continue;
    const change: MembershipChangeKind =
      had.length > 0
        ? 'device_added'
        : committer?.userId === userId
          ? 'member_joined'
          : 'member_added';
    changes.push({ change, userId, deviceIds });
  }
  for (const [userId, devices] of was) {
    const has = is.get(userId) ?? [];
    const deviceIds = devices.filter((id) => !has.includes(id));
    if (deviceIds.length === 0) continue;
    const change: MembershipChangeKind =
      has.length > 0
        ? 'device_removed'
        : departureOf(userId) === 'left'
          ? 'member_left'
          : 'member_removed';
    changes.push({ change, userId, deviceIds });
  }
  return changes;
}

/** The roster's word on former members; none when it cannot be read (labelled removed then). */
async function departures(
  ctx: EngineContext,
  conversationId: string,
): Promise<Map<string, MemberDeparture>> {
  try {
    const view = await ctx.api.conversation(conversationId);
    return new Map(view.formerMembers.map((m) => [m.userId, m.departure]));
  } catch (error) {
    if (error instanceof ApiError) return new Map();
    throw error;
  }
}

export interface CommitPosition {
  readonly conversationId: string;
  readonly seq: number;
  readonly sentAt: string;
  /** The epoch the commit started. */
  readonly epoch: number;
}

/**
 * The store operation recording what the commit changed (none when it changed no member). Asks
 * the server only when a user's last device left, to tell "left" from "removed".
 */
export async function membershipRecordOperations(
  ctx: EngineContext,
  position: CommitPosition,
  groups: { readonly before: MlsGroup; readonly after: MlsGroup },
  committer: MemberRef | null,
): Promise<StoreOperation[]> {
  const ref = (m: MemberRef): MemberRef => ({ userId: m.userId, deviceId: m.deviceId });
  const before = groups.before.members().map(ref);
  const after = groups.after.members().map(ref);
  const isUserGone = [...byUser(before).keys()].some((u) => !after.some((m) => m.userId === u));
  const departed: ReadonlyMap<string, MemberDeparture> = isUserGone
    ? await departures(ctx, position.conversationId)
    : new Map();
  const changes = membershipChanges(before, after, committer, (u) => departed.get(u) ?? null);
  if (changes.length === 0) return [];
  return [
    new MembershipLog(ctx.store).operation({
      v: 1,
      ...position,
      committer: committer === null ? null : ref(committer),
      changes,
    }),
  ];
}

/** The timeline with the conversation's membership changes merged in, in seq order. */
export async function withMembershipItems(
  log: MembershipLog,
  conversationId: string,
  items: readonly TimelineItem[],
  window: SeqWindow = {},
): Promise<TimelineItem[]> {
  const changes = (await log.records(conversationId, window)).flatMap((record) =>
    record.changes.map((c): TimelineItem => ({
      kind: 'membership',
      seq: record.seq,
      sentAt: record.sentAt,
      change: c.change,
      userId: c.userId,
      deviceIds: c.deviceIds,
      committer: record.committer,
    })),
  );
  // Stable: items of one seq keep their order (messages first, then membership).
  return [...items, ...changes].sort((a, b) => a.seq - b.seq);
}
