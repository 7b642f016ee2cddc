import {
  DEVICE_LINK_LIFETIME_SECONDS,
  DEVICE_LINK_TAG_BYTES,
  DEVICE_PLATFORMS,
  MAX_PENDING_DEVICE_LINKS,
  type CreatedDeviceLink,
  type DeviceLinkState,
  type PendingDeviceLinkView,
  type approveDeviceLinkRequestSchema,
  type createDeviceLinkRequestSchema,
} from '@amtsbote/protocol';
import type { z } from 'zod';
import { AppError, notFound } from '../errors.js';
import type { Principal } from '../identity/sessions.js';
import { asBytes, decodeBytes, encodeBytes, invalidField } from './bytes.js';
import {
  countLinksOfUser,
  deleteFinishedLinks,
  deleteLink,
  deleteLinkOfDevice,
  findLinkForUpdate,
  insertLink,
  listPendingLinks,
  lockUser,
  markFetched,
  recordApproval,
  wipeExpiredApprovals,
} from './device-links-store.js';
import type { MessagingContext } from './messaging-context.js';

/*
 * Device links (ADR 0007): a new device asks for the user secrets, another live device of the
 * same user approves by uploading them sealed to the new device's key, the new device fetches
 * them once. The server checks who may do what and when; the cryptography is the devices'.
 */

const LIFETIME_MS = DEVICE_LINK_LIFETIME_SECONDS * 1000;
const linkNotFound = (): AppError => notFound('device_link_not_found', 'device link');
const expired = (): AppError =>
  new AppError(410, 'device_link_expired', 'the device link has expired');
const used = (): AppError =>
  new AppError(409, 'device_link_used', 'the device link was approved already');

function tag(text: string, path: string): Uint8Array {
  const bytes = decodeBytes(text, path);
  if (bytes.length !== DEVICE_LINK_TAG_BYTES) {
    throw invalidField(path, `must be ${DEVICE_LINK_TAG_BYTES} bytes`);
  }
  return bytes;
}

/** The caller's device asks to be linked; replaces a link it asked for before. */
export async function createDeviceLink(
  ctx: MessagingContext,
  principal: Principal,
  input: z.output<typeof createDeviceLinkRequestSchema>,
): Promise<CreatedDeviceLink> {
  const row = {
    id: ctx.newId(),
    organization_id: principal.organizationId,
    user_id: principal.userId,
    device_id: principal.deviceId,
    public_key: decodeBytes(input.publicKey, 'publicKey'),
    code_tag: tag(input.codeTag, 'codeTag'),
    qr_tag: tag(input.qrTag, 'qrTag'),
    created_at: ctx.clock.now(),
    expires_at: new Date(ctx.clock.now().getTime() + LIFETIME_MS),
  };
  await ctx.db.transaction().execute(async (tx) => {
    await lockUser(tx, principal.userId);
    await deleteFinishedLinks(tx, principal.organizationId, principal.userId, row.created_at);
    await deleteLinkOfDevice(tx, principal.deviceId);
    if ((await countLinksOfUser(tx, principal.userId)) >= MAX_PENDING_DEVICE_LINKS) {
      throw new AppError(
        409,
        'too_many_device_links',
        `at most ${MAX_PENDING_DEVICE_LINKS} devices may wait for approval at once`,
      );
    }
    await insertLink(tx, row);
  });
  return { id: row.id, expiresAt: row.expires_at.toISOString() };
}

function platformOf(text: string): PendingDeviceLinkView['devicePlatform'] {
  return DEVICE_PLATFORMS.find((p) => p === text) ?? 'web';
}

/** The links the caller's other devices wait with: what an approving device checks codes against. */
export async function listDeviceLinks(
  ctx: MessagingContext,
  principal: Principal,
): Promise<PendingDeviceLinkView[]> {
  const now = ctx.clock.now();
  // Expired links stay (their device learns they expired), but without what they carried.
  await wipeExpiredApprovals(ctx.db, principal.organizationId, principal.userId, now);
  const rows = await listPendingLinks(
    ctx.db,
    {
      organizationId: principal.organizationId,
      userId: principal.userId,
      exceptDeviceId: principal.deviceId,
    },
    now,
  );
  return rows.map((r) => ({
    id: r.id,
    deviceId: r.device_id,
    deviceName: r.device_name,
    devicePlatform: platformOf(r.device_platform),
    publicKey: encodeBytes(asBytes(r.public_key)),
    codeTag: encodeBytes(asBytes(r.code_tag)),
    qrTag: encodeBytes(asBytes(r.qr_tag)),
    createdAt: r.created_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
  }));
}

/** Another live device of the same user hands over the sealed user secrets; once per link. */
export async function approveDeviceLink(
  ctx: MessagingContext,
  principal: Principal,
  linkId: string,
  input: z.output<typeof approveDeviceLinkRequestSchema>,
): Promise<void> {
  const sealedSecrets = decodeBytes(input.sealedSecrets, 'sealedSecrets');
  const confirmation = tag(input.confirmation, 'confirmation');
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (tx) => {
    const link = await findLinkForUpdate(tx, principal, linkId);
    if (link === undefined) throw linkNotFound();
    if (link.device_id === principal.deviceId) {
      throw new AppError(403, 'forbidden', 'a device cannot approve itself');
    }
    if (link.approved_at !== null) throw used();
    if (link.expires_at.getTime() <= now.getTime()) throw expired();
    if (link.device_revoked_at !== null) {
      throw new AppError(409, 'device_revoked', 'the device that asked was revoked');
    }
    await recordApproval(tx, linkId, {
      approvedBy: principal.deviceId,
      at: now,
      sealedSecrets,
      confirmation,
    });
  });
}

/**
 * The link as its own device sees it. An approval is handed out once: the sealed secrets are
 * deleted in the same transaction that reads them.
 */
export async function readDeviceLink(
  ctx: MessagingContext,
  principal: Principal,
  linkId: string,
): Promise<DeviceLinkState> {
  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction().execute(async (tx) => {
    const link = await findLinkForUpdate(tx, principal, linkId);
    if (link === undefined || link.device_id !== principal.deviceId) throw linkNotFound();
    if (link.fetched_at !== null) throw used();
    if (link.expires_at.getTime() <= now.getTime()) return 'expired' as const;
    const expiresAt = link.expires_at.toISOString();
    if (link.sealed_secrets === null || link.confirmation === null) {
      return { status: 'pending', id: link.id, expiresAt } as const;
    }
    await markFetched(tx, link.id, now);
    return {
      status: 'approved',
      id: link.id,
      expiresAt,
      approvedByDeviceId: link.approved_by_device_id,
      sealedSecrets: encodeBytes(asBytes(link.sealed_secrets)),
      confirmation: encodeBytes(asBytes(link.confirmation)),
    } as const;
  });
  if (outcome === 'expired') {
    // Whatever it held (an approval not fetched in time) goes with it.
    await deleteLink(ctx.db, linkId);
    throw expired();
  }
  return outcome;
}
