import { z } from 'zod';
import { DEVICE_PLATFORMS } from './identity.js';
import { bytesSchema } from './messaging.js';

/*
 * Device links and recovery (ADR 0007). A new device of a user asks to be linked; another
 * device of the same user approves it by sealing the user secrets to the new device's key. The
 * server relays opaque bytes: public key, tags, sealed secrets. It never sees a link secret or
 * a user secret in clear, and keeps sealed secrets only until the new device fetched them.
 */

/** X-Wing public keys have 1216 bytes. */
export const MAX_DEVICE_LINK_PUBLIC_KEY_BYTES = 2048;
/** HMAC-SHA-256. */
export const DEVICE_LINK_TAG_BYTES = 32;
/** HPKE enc (1120 bytes for X-Wing) and the sealed user secrets, with room to grow. */
export const MAX_SEALED_USER_SECRETS_BYTES = 4096;
/** The user secrets under the recovery key: about 100 bytes. */
export const MAX_RECOVERY_SEALED_BYTES = 1024;
/** How long a link waits for approval and the approved secrets wait to be fetched. */
export const DEVICE_LINK_LIFETIME_SECONDS = 600;
/** Links of one user that may be pending at once (each of its devices has at most one). */
export const MAX_PENDING_DEVICE_LINKS = 5;

const isoDate = z.iso.datetime();

export const createDeviceLinkRequestSchema = z.strictObject({
  publicKey: bytesSchema(MAX_DEVICE_LINK_PUBLIC_KEY_BYTES),
  /** HMAC under the key from the short code over user, device and public key. */
  codeTag: bytesSchema(DEVICE_LINK_TAG_BYTES),
  /** The same under the key from the QR secret. */
  qrTag: bytesSchema(DEVICE_LINK_TAG_BYTES),
});
export type CreateDeviceLinkRequest = z.input<typeof createDeviceLinkRequestSchema>;

export const createdDeviceLinkSchema = z.object({
  id: z.uuid(),
  expiresAt: isoDate,
});
export type CreatedDeviceLink = z.infer<typeof createdDeviceLinkSchema>;

/** A link waiting for approval, as listed to the user's other devices. */
export const pendingDeviceLinkSchema = z.object({
  id: z.uuid(),
  deviceId: z.uuid(),
  deviceName: z.string(),
  devicePlatform: z.enum(DEVICE_PLATFORMS),
  publicKey: z.string(),
  codeTag: z.string(),
  qrTag: z.string(),
  createdAt: isoDate,
  expiresAt: isoDate,
});
export type PendingDeviceLinkView = z.infer<typeof pendingDeviceLinkSchema>;

export const listDeviceLinksResponseSchema = z.object({
  links: z.array(pendingDeviceLinkSchema),
});

export const approveDeviceLinkRequestSchema = z.strictObject({
  sealedSecrets: bytesSchema(MAX_SEALED_USER_SECRETS_BYTES),
  /** The approver's HMAC over the sealed secrets, under a key from the link secret. */
  confirmation: bytesSchema(DEVICE_LINK_TAG_BYTES),
});
export type ApproveDeviceLinkRequest = z.input<typeof approveDeviceLinkRequestSchema>;

/** The link as its new device sees it; an approval is handed out once, then deleted. */
export const deviceLinkStateSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('pending'), id: z.uuid(), expiresAt: isoDate }),
  z.object({
    status: z.literal('approved'),
    id: z.uuid(),
    expiresAt: isoDate,
    approvedByDeviceId: z.uuid().nullable(),
    sealedSecrets: z.string(),
    confirmation: z.string(),
  }),
]);
export type DeviceLinkState = z.infer<typeof deviceLinkStateSchema>;

export const putRecoveryRequestSchema = z.strictObject({
  sealedSecrets: bytesSchema(MAX_RECOVERY_SEALED_BYTES),
});

export const recoveryViewSchema = z.object({
  sealedSecrets: z.string(),
  updatedAt: isoDate,
});
export type RecoveryView = z.infer<typeof recoveryViewSchema>;
