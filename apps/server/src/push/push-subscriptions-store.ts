import { sql, type Kysely } from 'kysely';
import { asBytes } from '../messaging/bytes.js';
import type { Database } from '../storage/schema.js';

/* Queries of push_subscriptions (migration 0013). A device has at most one subscription. */

export interface StoredSubscription {
  readonly id: string;
  readonly deviceId: string;
  readonly endpoint: string;
  readonly p256dh: Uint8Array;
  readonly auth: Uint8Array;
}

export interface NewSubscription {
  readonly id: string;
  readonly organizationId: string;
  readonly deviceId: string;
  readonly endpoint: string;
  readonly p256dh: Uint8Array;
  readonly auth: Uint8Array;
  readonly createdAt: Date;
}

/** Stores the device's subscription, replacing the one it had (counts start again). */
export async function upsertSubscription(
  db: Kysely<Database>,
  subscription: NewSubscription,
): Promise<void> {
  await db
    .insertInto('push_subscriptions')
    .values({
      id: subscription.id,
      organization_id: subscription.organizationId,
      device_id: subscription.deviceId,
      endpoint: subscription.endpoint,
      p256dh: subscription.p256dh,
      auth: subscription.auth,
      created_at: subscription.createdAt,
      last_success_at: null,
      failure_count: 0,
    })
    .onConflict((oc) =>
      oc.column('device_id').doUpdateSet({
        id: subscription.id,
        endpoint: subscription.endpoint,
        p256dh: subscription.p256dh,
        auth: subscription.auth,
        created_at: subscription.createdAt,
        last_success_at: null,
        failure_count: 0,
      }),
    )
    .execute();
}

/** Deletes the device's subscription; true when it had one. */
export async function deleteSubscriptionOfDevice(
  db: Kysely<Database>,
  organizationId: string,
  deviceId: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('push_subscriptions')
    .where('organization_id', '=', organizationId)
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * The subscription of a device that can still use a wake-up: not revoked, its user active, and
 * with a live session (a device that cannot sync has nothing to be woken for).
 */
export async function findLiveSubscription(
  db: Kysely<Database>,
  deviceId: string,
  now: Date,
): Promise<StoredSubscription | null> {
  const row = await db
    .selectFrom('push_subscriptions as p')
    .innerJoin('devices as d', 'd.id', 'p.device_id')
    .innerJoin('users as u', 'u.id', 'd.user_id')
    .select(['p.id', 'p.device_id', 'p.endpoint', 'p.p256dh', 'p.auth'])
    .where('p.device_id', '=', deviceId)
    .where('d.revoked_at', 'is', null)
    .where('u.status', '=', 'active')
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('sessions as s')
          .select(sql<number>`1`.as('one'))
          .whereRef('s.device_id', '=', 'd.id')
          .where('s.ended_at', 'is', null)
          .where('s.expires_at', '>', now),
      ),
    )
    .executeTakeFirst();
  return row === undefined
    ? null
    : {
        id: row.id,
        deviceId: row.device_id,
        endpoint: row.endpoint,
        p256dh: asBytes(row.p256dh),
        auth: asBytes(row.auth),
      };
}

export async function recordPushSuccess(
  db: Kysely<Database>,
  subscriptionId: string,
  now: Date,
): Promise<void> {
  await db
    .updateTable('push_subscriptions')
    .set({ last_success_at: now, failure_count: 0 })
    .where('id', '=', subscriptionId)
    .execute();
}

export async function recordPushFailure(
  db: Kysely<Database>,
  subscriptionId: string,
): Promise<void> {
  await db
    .updateTable('push_subscriptions')
    .set((eb) => ({ failure_count: eb('failure_count', '+', 1) }))
    .where('id', '=', subscriptionId)
    .execute();
}

/**
 * Deletes a subscription the push service reported gone (404, 410). By id: a device that
 * subscribed again meanwhile got a new id, and its new subscription stays.
 */
export async function deleteGoneSubscription(
  db: Kysely<Database>,
  subscriptionId: string,
): Promise<void> {
  await db.deleteFrom('push_subscriptions').where('id', '=', subscriptionId).execute();
}

/**
 * Deletes the subscriptions of devices that will not be woken again: revoked, of a user no
 * longer active, or without a live session. One organization, or all (null, at start).
 */
export async function deleteDeadSubscriptions(
  db: Kysely<Database>,
  organizationId: string | null,
  now: Date,
): Promise<number> {
  let query = db.deleteFrom('push_subscriptions as p').where((eb) =>
    eb.not(
      eb.exists(
        eb
          .selectFrom('devices as d')
          .innerJoin('users as u', 'u.id', 'd.user_id')
          .innerJoin('sessions as s', 's.device_id', 'd.id')
          .select(sql<number>`1`.as('one'))
          .whereRef('d.id', '=', 'p.device_id')
          .where('d.revoked_at', 'is', null)
          .where('u.status', '=', 'active')
          .where('s.ended_at', 'is', null)
          .where('s.expires_at', '>', now),
      ),
    ),
  );
  if (organizationId !== null) query = query.where('p.organization_id', '=', organizationId);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}
