import { z } from 'zod';

/*
 * Web Push (RFC 8030, RFC 8291, RFC 8292; ADR 0015). A device without a live connection is woken
 * by a push message through its browser's push service. The message says only that something
 * happened: no conversation, no sender, no content, no count. The device then syncs over its
 * own authenticated connection, so the push service learns when and to which device, nothing
 * else.
 */

/** The longest push endpoint URL the server stores. */
export const MAX_PUSH_ENDPOINT_LENGTH = 2048;
/** The subscription's P-256 public key, an uncompressed point (0x04 || x || y). */
export const PUSH_P256DH_BYTES = 65;
/** The subscription's authentication secret (RFC 8291 section 3.2). */
export const PUSH_AUTH_SECRET_BYTES = 16;

/** base64url without padding of exactly `bytes` bytes. */
const exactBytesSchema = (bytes: number): z.ZodString =>
  z
    .string()
    .length(Math.ceil((bytes * 4) / 3))
    .regex(/^[A-Za-z0-9_-]*$/, 'base64url');

/** GET /api/push/vapid-key: the server's VAPID public key (RFC 8292), for applicationServerKey. */
export const vapidKeyResponseSchema = z.object({
  /** base64url of the uncompressed P-256 point, 65 bytes. */
  publicKey: exactBytesSchema(PUSH_P256DH_BYTES),
});
export type VapidKeyResponse = z.infer<typeof vapidKeyResponseSchema>;

/**
 * PUT /api/push/subscription: the calling device's subscription, as the browser's
 * PushSubscription.toJSON() gives it. One per device: a new one replaces the old. The server
 * checks the endpoint (https, a public host) and that p256dh is a point on P-256.
 */
export const putPushSubscriptionRequestSchema = z.strictObject({
  endpoint: z.string().min(1).max(MAX_PUSH_ENDPOINT_LENGTH),
  /** What browsers send; the server ignores it (an expired subscription answers 404 or 410). */
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({
    p256dh: exactBytesSchema(PUSH_P256DH_BYTES),
    auth: exactBytesSchema(PUSH_AUTH_SECRET_BYTES),
  }),
});
export type PutPushSubscriptionRequest = z.input<typeof putPushSubscriptionRequestSchema>;

/** The one payload of every push message: a wake-up, the same every time. */
export const pushWakeUpSchema = z.strictObject({ type: z.literal('activity') });
export type PushWakeUp = z.infer<typeof pushWakeUpSchema>;
export const PUSH_WAKE_UP: PushWakeUp = { type: 'activity' };
