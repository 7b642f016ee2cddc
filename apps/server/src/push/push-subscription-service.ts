import { base64urlDecode, base64urlEncode } from '@amtsbote/crypto';
import type {
  FieldError,
  VapidKeyResponse,
  putPushSubscriptionRequestSchema,
} from '@amtsbote/protocol';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { Principal } from '../identity/sessions.js';
import type { Database } from '../storage/schema.js';
import { checkEndpoint, type EndpointPolicy, type EndpointProblem } from './push-endpoint.js';
import { deleteSubscriptionOfDevice, upsertSubscription } from './push-subscriptions-store.js';
import { AUTH_SECRET_BYTES, isP256Point } from './web-push-encryption.js';

/* The calling device's push subscription: subscribe, unsubscribe, and the key to subscribe to. */

export interface PushContext {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly policy: EndpointPolicy;
  /** The VAPID public key (65 bytes); null: web push is off on this server. */
  readonly vapidPublicKey: Uint8Array | null;
}

const ENDPOINT_MESSAGES: Readonly<Record<EndpointProblem, string>> = {
  not_a_url: 'not a URL',
  not_https: 'must be an https URL',
  has_credentials: 'must not carry a user name or password',
  has_fragment: 'must not carry a fragment',
  not_a_public_host: 'must name a public host',
};

function requireVapidKey(ctx: PushContext): Uint8Array {
  if (ctx.vapidPublicKey === null) {
    throw new AppError(503, 'push_unavailable', 'this server sends no push messages');
  }
  return ctx.vapidPublicKey;
}

export function describeVapidKey(ctx: PushContext): VapidKeyResponse {
  return { publicKey: base64urlEncode(requireVapidKey(ctx)) };
}

/** The decoded bytes, or null when the text is not canonical base64url. */
function decodeOrNull(text: string): Uint8Array | null {
  try {
    return base64urlDecode(text);
  } catch {
    return null;
  }
}

/** Stores the device's subscription in place of the one it had; refuses what cannot be used. */
export async function subscribeDevice(
  ctx: PushContext,
  principal: Principal,
  input: z.output<typeof putPushSubscriptionRequestSchema>,
): Promise<void> {
  requireVapidKey(ctx);
  const fields: FieldError[] = [];
  const endpoint = checkEndpoint(input.endpoint, ctx.policy);
  if (!endpoint.isAllowed) {
    fields.push({
      path: 'body.endpoint',
      code: endpoint.problem,
      message: ENDPOINT_MESSAGES[endpoint.problem],
    });
  }
  const p256dh = decodeOrNull(input.keys.p256dh);
  if (p256dh === null || !isP256Point(p256dh)) {
    fields.push({
      path: 'body.keys.p256dh',
      code: 'not_a_p256_point',
      message: 'must be an uncompressed point on P-256',
    });
  }
  const auth = decodeOrNull(input.keys.auth);
  if (auth?.length !== AUTH_SECRET_BYTES) {
    fields.push({ path: 'body.keys.auth', code: 'base64url', message: 'must be 16 bytes' });
  }
  if (fields.length > 0 || p256dh === null || auth === null) {
    throw new AppError(400, 'push_subscription_invalid', 'the push subscription is refused', {
      fields,
    });
  }
  await upsertSubscription(ctx.db, {
    id: ctx.newId(),
    organizationId: principal.organizationId,
    deviceId: principal.deviceId,
    endpoint: input.endpoint,
    p256dh,
    auth,
    createdAt: ctx.clock.now(),
  });
}

/** Deletes the device's subscription, if it has one. */
export async function unsubscribeDevice(ctx: PushContext, principal: Principal): Promise<void> {
  await deleteSubscriptionOfDevice(ctx.db, principal.organizationId, principal.deviceId);
}
