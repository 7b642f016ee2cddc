import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../storage/schema.js';

/*
 * Routing: which devices receive a conversation's events. Each (conversation, device) row is
 * an interval of the log, from_seq < seq <= until_seq, and the device's cursor (acked_seq).
 */

export interface MemberDevice {
  readonly deviceId: string;
  readonly userId: string;
  /** Already in the group (routed, no end set). */
  readonly isRouted: boolean;
}

/**
 * Of the given devices, the live ones (not revoked, user active) of the organization whose
 * user is a current member: those that may join, and that only owners may remove.
 */
export async function findLiveMemberDevices(
  db: Kysely<Database>,
  organizationId: string,
  conversationId: string,
  deviceIds: readonly string[],
): Promise<MemberDevice[]> {
  if (deviceIds.length === 0) return [];
  const rows = await db
    .selectFrom('devices as d')
    .innerJoin('users as u', 'u.id', 'd.user_id')
    .innerJoin('conversation_members as m', (join) =>
      join
        .onRef('m.user_id', '=', 'd.user_id')
        .on('m.conversation_id', '=', conversationId)
        .on('m.removed_at', 'is', null),
    )
    .leftJoin('conversation_devices as cd', (join) =>
      join
        .onRef('cd.device_id', '=', 'd.id')
        .on('cd.conversation_id', '=', conversationId)
        .on('cd.until_seq', 'is', null),
    )
    .select(['d.id', 'd.user_id', 'cd.device_id as routed_device_id'])
    .where('d.organization_id', '=', organizationId)
    .where('d.id', 'in', deviceIds)
    .where('d.revoked_at', 'is', null)
    .where('u.status', '=', 'active')
    .execute();
  return rows.map((r) => ({
    deviceId: r.id,
    userId: r.user_id,
    isRouted: r.routed_device_id !== null,
  }));
}

/** Of the given devices, those that were ever routed in the conversation. */
export async function findKnownDeviceIds(
  db: Kysely<Database>,
  conversationId: string,
  deviceIds: readonly string[],
): Promise<Set<string>> {
  if (deviceIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('conversation_devices')
    .select('device_id')
    .where('conversation_id', '=', conversationId)
    .where('device_id', 'in', deviceIds)
    .execute();
  return new Set(rows.map((r) => r.device_id));
}

/**
 * Devices join after the commit at seq: their stream starts there. A device added again before
 * it fetched the end of its earlier interval keeps that interval's events and its cursor; the
 * stretch between its removal and this add becomes a routing gap (migration 0008), so it
 * receives nothing of the time it was not a member.
 */
export async function addRoutedDevices(
  db: Kysely<Database>,
  conversationId: string,
  devices: readonly { readonly deviceId: string; readonly userId: string }[],
  seq: number,
): Promise<void> {
  if (devices.length === 0) return;
  const unfinished = await db
    .selectFrom('conversation_devices')
    .select(['device_id', 'until_seq'])
    .where('conversation_id', '=', conversationId)
    .where(
      'device_id',
      'in',
      devices.map((d) => d.deviceId),
    )
    .where('until_seq', 'is not', null)
    .whereRef('acked_seq', '<', 'until_seq')
    .execute();
  const reopened = new Set(unfinished.map((r) => r.device_id));
  if (unfinished.length > 0) {
    await db
      .insertInto('routing_gaps')
      .values(
        unfinished.map((r) => ({
          conversation_id: conversationId,
          device_id: r.device_id,
          after_seq: r.until_seq ?? seq,
          until_seq: seq,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['conversation_id', 'device_id', 'after_seq']).doUpdateSet({ until_seq: seq }),
      )
      .execute();
    await db
      .updateTable('conversation_devices')
      .set({ until_seq: null })
      .where('conversation_id', '=', conversationId)
      .where('device_id', 'in', [...reopened])
      .execute();
  }
  const fresh = devices.filter((d) => !reopened.has(d.deviceId));
  if (fresh.length === 0) return;
  await db
    .deleteFrom('routing_gaps')
    .where('conversation_id', '=', conversationId)
    .where(
      'device_id',
      'in',
      fresh.map((d) => d.deviceId),
    )
    .execute();
  await db
    .insertInto('conversation_devices')
    .values(
      fresh.map((d) => ({
        conversation_id: conversationId,
        device_id: d.deviceId,
        user_id: d.userId,
        from_seq: seq,
        until_seq: null,
        acked_seq: seq,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['conversation_id', 'device_id']).doUpdateSet({
        from_seq: seq,
        until_seq: null,
        acked_seq: seq,
      }),
    )
    .execute();
}

/** The removing commit at seq is the last event the devices receive. */
export async function endRoutedDevices(
  db: Kysely<Database>,
  conversationId: string,
  deviceIds: readonly string[],
  seq: number,
): Promise<void> {
  if (deviceIds.length === 0) return;
  await db
    .updateTable('conversation_devices')
    .set({ until_seq: seq })
    .where('conversation_id', '=', conversationId)
    .where('device_id', 'in', deviceIds)
    .where('until_seq', 'is', null)
    .execute();
}

/**
 * The live devices (not revoked, user active) routed at `seq` in the conversation, except the
 * sender's: a subquery giving one `device_id` text column, shared by listRecipients and the
 * statement that stores a message (events-store.ts).
 */
export function recipientsQuery(
  conversationId: string,
  seq: RawBuilder<unknown> | number,
  exceptDeviceId: string,
): RawBuilder<{ device_id: string }> {
  return sql<{ device_id: string }>`
    select cd.device_id::text as device_id
    from conversation_devices cd
    join devices d on d.id = cd.device_id
    join users u on u.id = d.user_id
    where cd.conversation_id = ${conversationId}
      and cd.from_seq < ${seq}
      and (cd.until_seq is null or cd.until_seq >= ${seq})
      and cd.device_id <> ${exceptDeviceId}
      and d.revoked_at is null
      and u.status = 'active'`;
}

/**
 * The live devices whose routing interval holds seq (from_seq < seq <= until_seq), in one
 * query: the fan-out then goes through the in-memory index of connections.
 */
export async function listRecipients(
  db: Kysely<Database>,
  conversationId: string,
  seq: number,
  exceptDeviceId: string,
): Promise<string[]> {
  const { rows } = await recipientsQuery(conversationId, seq, exceptDeviceId).execute(db);
  return rows.map((r) => r.device_id);
}

/**
 * Ends the routing of revoked devices and of disabled users' devices at each conversation's
 * newest event, in one organization or (null) in all; returns the conversations it changed.
 * Delivery checks liveness anyway; this makes it lasting (a re-enabled user's devices rejoin by
 * external commit) and keeps views true. Idempotent: a second run finds nothing to end.
 */
export async function endRoutingOfDeadDevices(
  db: Kysely<Database>,
  organizationId: string | null,
): Promise<string[]> {
  const { rows } = await sql<{ conversation_id: string }>`
    update conversation_devices cd
    set until_seq = c.last_seq
    from conversations c, devices d, users u
    where c.id = cd.conversation_id
      and d.id = cd.device_id
      and u.id = d.user_id
      and cd.until_seq is null
      and (${organizationId}::uuid is null or d.organization_id = ${organizationId})
      and (d.revoked_at is not null or u.status <> 'active')
    returning cd.conversation_id
  `.execute(db);
  return [...new Set(rows.map((r) => r.conversation_id))];
}
