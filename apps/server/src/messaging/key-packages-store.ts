import { sql, type Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { asBytes } from './bytes.js';

/* Queries on MLS key packages: one-time ones are taken once, the last-resort one is kept. */

export interface KeyPackageInsert {
  readonly id: string;
  readonly data: Uint8Array;
}

export async function insertOneTimeKeyPackages(
  db: Kysely<Database>,
  owner: { readonly organizationId: string; readonly deviceId: string },
  ciphersuite: number,
  packages: readonly KeyPackageInsert[],
  at: Date,
): Promise<void> {
  if (packages.length === 0) return;
  await db
    .insertInto('key_packages')
    .values(
      packages.map((p) => ({
        id: p.id,
        organization_id: owner.organizationId,
        device_id: owner.deviceId,
        ciphersuite,
        data: p.data,
        is_last_resort: false,
        created_at: at,
      })),
    )
    .execute();
}

export async function replaceLastResortKeyPackage(
  db: Kysely<Database>,
  owner: { readonly organizationId: string; readonly deviceId: string },
  ciphersuite: number,
  keyPackage: KeyPackageInsert,
  at: Date,
): Promise<void> {
  await db
    .deleteFrom('key_packages')
    .where('device_id', '=', owner.deviceId)
    .where('ciphersuite', '=', ciphersuite)
    .where('is_last_resort', '=', true)
    .execute();
  await db
    .insertInto('key_packages')
    .values({
      id: keyPackage.id,
      organization_id: owner.organizationId,
      device_id: owner.deviceId,
      ciphersuite,
      data: keyPackage.data,
      is_last_resort: true,
      created_at: at,
    })
    .execute();
}

export interface Stock {
  readonly oneTimeCount: number;
  readonly hasLastResort: boolean;
}

/** The stock of each given device for the suite; devices without any are missing. */
export async function countStock(
  db: Kysely<Database>,
  deviceIds: readonly string[],
  ciphersuite: number,
): Promise<Map<string, Stock>> {
  if (deviceIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('key_packages')
    .select((eb) => [
      'device_id',
      eb.fn.count<number>('id').filterWhere('is_last_resort', '=', false).as('one_time'),
      eb.fn.count<number>('id').filterWhere('is_last_resort', '=', true).as('last_resort'),
    ])
    .where('device_id', 'in', deviceIds)
    .where('ciphersuite', '=', ciphersuite)
    .groupBy('device_id')
    .execute();
  return new Map(
    rows.map((r) => [r.device_id, { oneTimeCount: r.one_time, hasLastResort: r.last_resort > 0 }]),
  );
}

export interface ClaimTarget {
  readonly deviceId: string;
  readonly userId: string;
}

/** The live devices of the given users (not revoked, user active), minus the excluded ones. */
export async function findClaimTargets(
  db: Kysely<Database>,
  organizationId: string,
  userIds: readonly string[],
  excludeDeviceIds: readonly string[],
): Promise<ClaimTarget[]> {
  let query = db
    .selectFrom('devices as d')
    .innerJoin('users as u', 'u.id', 'd.user_id')
    .select(['d.id', 'd.user_id'])
    .where('d.organization_id', '=', organizationId)
    .where('d.user_id', 'in', userIds)
    .where('d.revoked_at', 'is', null)
    .where('u.status', '=', 'active');
  if (excludeDeviceIds.length > 0) query = query.where('d.id', 'not in', excludeDeviceIds);
  const rows = await query.orderBy('d.user_id').orderBy('d.created_at').execute();
  return rows.map((r) => ({ deviceId: r.id, userId: r.user_id }));
}

/**
 * Takes (deletes) the oldest one-time key package of each device, in one statement. Rows that
 * a concurrent claim holds are skipped, so no key package is ever handed out twice.
 */
export async function takeOneTimeKeyPackages(
  db: Kysely<Database>,
  deviceIds: readonly string[],
  ciphersuite: number,
): Promise<Map<string, Uint8Array>> {
  if (deviceIds.length === 0) return new Map();
  const { rows } = await sql<{ device_id: string; data: Uint8Array }>`
    with picked as (
      select k.id
      from unnest(${sql.val([...deviceIds])}::uuid[]) as target(device_id)
      cross join lateral (
        select kp.id from key_packages kp
        where kp.device_id = target.device_id
          and kp.ciphersuite = ${ciphersuite}
          and kp.is_last_resort = false
        order by kp.created_at, kp.id
        limit 1
        for update skip locked
      ) k
    )
    delete from key_packages
    where id in (select id from picked)
    returning device_id, data
  `.execute(db);
  return new Map(rows.map((r) => [r.device_id, asBytes(r.data)]));
}

/** The last-resort key package of each device that has one; they are not deleted. */
export async function readLastResortKeyPackages(
  db: Kysely<Database>,
  deviceIds: readonly string[],
  ciphersuite: number,
): Promise<Map<string, Uint8Array>> {
  if (deviceIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('key_packages')
    .select(['device_id', 'data'])
    .where('device_id', 'in', deviceIds)
    .where('ciphersuite', '=', ciphersuite)
    .where('is_last_resort', '=', true)
    .execute();
  return new Map(rows.map((r) => [r.device_id, asBytes(r.data)]));
}
