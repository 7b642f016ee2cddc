import {
  errorBodySchema,
  putPushSubscriptionRequestSchema,
  vapidKeyResponseSchema,
} from '@amtsbote/protocol';
import { z } from 'zod';
import type { IdentityContext } from '../../identity/identity-context.js';
import {
  describeVapidKey,
  subscribeDevice,
  unsubscribeDevice,
  type PushContext,
} from '../../push/push-subscription-service.js';
import type { App } from '../app.js';
import { requirePrincipal } from '../authenticate.js';

/**
 * Web push (ADR 0015): the server's VAPID key, and the calling device's subscription. A device
 * only ever reads or changes its own: the routes take no device id.
 */
export function registerPushRoutes(app: App, identity: IdentityContext, ctx: PushContext): void {
  const base = { tags: ['push'], security: [{ session: [] }] };

  app.get(
    '/api/push/vapid-key',
    {
      schema: {
        ...base,
        response: { 200: vapidKeyResponseSchema, '4xx': errorBodySchema, 503: errorBodySchema },
      },
    },
    async (request) => {
      await requirePrincipal(identity, request);
      return describeVapidKey(ctx);
    },
  );
  app.put(
    '/api/push/subscription',
    {
      schema: {
        ...base,
        body: putPushSubscriptionRequestSchema,
        response: { 204: z.null(), '4xx': errorBodySchema, 503: errorBodySchema },
      },
    },
    async (request, reply) => {
      await subscribeDevice(ctx, await requirePrincipal(identity, request), request.body);
      return reply.code(204).send(null);
    },
  );
  app.delete(
    '/api/push/subscription',
    { schema: { ...base, response: { 204: z.null(), '4xx': errorBodySchema } } },
    async (request, reply) => {
      await unsubscribeDevice(ctx, await requirePrincipal(identity, request));
      return reply.code(204).send(null);
    },
  );
}
