import type { Kysely, Selectable } from 'kysely';
import type { Database, DeviceLinksTable } from '../storage/schema.js';

/* Kysely queries of device links (migration 0003), each scoped to organization and user. */

export type DeviceLinkRow = Selectable<DeviceLinksTable>;

export interface PendingLinkRow {
  readonly id: string;
  readonly device_id: string;
  readonly device_name: string;
  readonly device_platform: string;
  readonly public_key: Uint8Array;
  readonly code_tag: Uint8Array;
  readonly qr_tag: Uint8Array;
  readonly created_at: Date;
  readonly expires_at: Date;
}

/** Takes the user's row lock: link creation of one user is serialised, so the cap holds. */
export async function lockUser(tx: Kysely<Database>, userId: string): Promise<void> {
  await tx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().execute();
}

/** Removes the user's links that can no longer be used: expired or already fetched. */
export async function deleteFinishedLinks(
  db: Kysely<Database>,
  organizationId: string,
  userId: string,
  now: Date,
): Promise<void> {
  await db
    .deleteFrom('device_links')
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('fetched_at', 'is not', null)]))
    .execute();
}

/** Wipes approvals not fetched in time: sealed secrets live no longer than their link. */
export async function wipeExpiredApprovals(
  db: Kysely<Database>,
  organizationId: string,
  userId: string,
  now: Date,
): Promise<void> {
  await db
    .updateTable('device_links')
    .set({ sealed_secrets: null, confirmation: null })
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .where('expires_at', '<=', now)
    .where('sealed_secrets', 'is not', null)
    .execute();
}

export async function deleteLinkOfDevice(tx: Kysely<Database>, deviceId: string): Promise<void> {
  await tx.deleteFrom('device_links').where('device_id', '=', deviceId).execute();
}

export async function deleteLink(db: Kysely<Database>, linkId: string): Promise<void> {
  await db.deleteFrom('device_links').where('id', '=', linkId).execute();
}

export async function countLinksOfUser(tx: Kysely<Database>, userId: string): Promise<number> {
  const row = await tx
    .selectFrom('device_links')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertLink(
  tx: Kysely<Database>,
  row: Omit<
    DeviceLinkRow,
    'approved_by_device_id' | 'approved_at' | 'sealed_secrets' | 'confirmation' | 'fetched_at'
  >,
): Promise<void> {
  await tx.insertInto('device_links').values(row).execute();
}

/** Links waiting for approval, of live devices of the user other than the caller's. */
export async function listPendingLinks(
  db: Kysely<Database>,
  scope: { organizationId: string; userId: string; exceptDeviceId: string },
  now: Date,
): Promise<PendingLinkRow[]> {
  return db
    .selectFrom('device_links as l')
    .innerJoin('devices as d', 'd.id', 'l.device_id')
    .select([
      'l.id',
      'l.device_id',
      'd.name as device_name',
      'd.platform as device_platform',
      'l.public_key',
      'l.code_tag',
      'l.qr_tag',
      'l.created_at',
      'l.expires_at',
    ])
    .where('l.organization_id', '=', scope.organizationId)
    .where('l.user_id', '=', scope.userId)
    .where('l.device_id', '<>', scope.exceptDeviceId)
    .where('l.approved_at', 'is', null)
    .where('l.expires_at', '>', now)
    .where('d.revoked_at', 'is', null)
    .orderBy('l.created_at')
    .execute();
}

/** The user's link with its row lock, and whether its device was revoked; undefined: none. */
export async function findLinkForUpdate(
  tx: Kysely<Database>,
  scope: { organizationId: string; userId: string },
  linkId: string,
): Promise<(DeviceLinkRow & { device_revoked_at: Date | null }) | undefined> {
  return tx
    .selectFrom('device_links as l')
    .innerJoin('devices as d', 'd.id', 'l.device_id')
    .selectAll('l')
    .select('d.revoked_at as device_revoked_at')
    .where('l.organization_id', '=', scope.organizationId)
    .where('l.user_id', '=', scope.userId)
    .where('l.id', '=', linkId)
    .forUpdate('l')
    .executeTakeFirst();
}

export async function recordApproval(
  tx: Kysely<Database>,
  linkId: string,
  approval: { approvedBy: string; at: Date; sealedSecrets: Uint8Array; confirmation: Uint8Array },
): Promise<void> {
  await tx
    .updateTable('device_links')
    .set({
      approved_by_device_id: approval.approvedBy,
      approved_at: approval.at,
      sealed_secrets: approval.sealedSecrets,
      confirmation: approval.confirmation,
    })
    .where('id', '=', linkId)
    .execute();
}

/** Marks the approval fetched and deletes the sealed secrets: they are handed out once. */
export async function markFetched(tx: Kysely<Database>, linkId: string, at: Date): Promise<void> {
  await tx
    .updateTable('device_links')
    .set({ sealed_secrets: null, confirmation: null, fetched_at: at })
    .where('id', '=', linkId)
    .execute();
}
