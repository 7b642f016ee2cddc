import {
  MAX_DEVICE_LINK_PUBLIC_KEY_BYTES,
  MAX_RECOVERY_SEALED_BYTES,
  MAX_SEALED_USER_SECRETS_BYTES,
  approveDeviceLinkRequestSchema,
  createDeviceLinkRequestSchema,
  createdDeviceLinkSchema,
  deviceLinkStateSchema,
  errorBodySchema,
  idParamsSchema,
  listDeviceLinksResponseSchema,
  putRecoveryRequestSchema,
  recoveryViewSchema,
} from '@amtsbote/protocol';
import { z } from 'zod';
import type { IdentityContext } from '../../identity/identity-context.js';
import {
  approveDeviceLink,
  createDeviceLink,
  listDeviceLinks,
  readDeviceLink,
} from '../../messaging/device-link-service.js';
import type { MessagingContext } from '../../messaging/messaging-context.js';
import { getRecovery, putRecovery } from '../../messaging/recovery-service.js';
import type { App } from '../app.js';
import { requirePrincipal } from '../authenticate.js';

/** Characters of base64url text for this many bytes. */
const base64Length = (bytes: number): number => Math.ceil((bytes * 4) / 3);
/** Room for JSON syntax, field names and the two tags. */
const JSON_OVERHEAD_BYTES = 1024;

/** Each body is bounded by what it may carry, far below the default limit. */
const BODY_LIMITS = {
  create: base64Length(MAX_DEVICE_LINK_PUBLIC_KEY_BYTES) + JSON_OVERHEAD_BYTES,
  approve: base64Length(MAX_SEALED_USER_SECRETS_BYTES) + JSON_OVERHEAD_BYTES,
  recovery: base64Length(MAX_RECOVERY_SEALED_BYTES) + JSON_OVERHEAD_BYTES,
} as const;

/**
 * Device approval and recovery (ADR 0007): a new device's link, its approval by another device
 * of the same user, and the user secrets sealed under the recovery key. Every route needs a
 * session; a user sees and changes only their own links and recovery data.
 */
export function registerDeviceLinkRoutes(
  app: App,
  identity: IdentityContext,
  ctx: MessagingContext,
): void {
  const base = { tags: ['devices'], security: [{ session: [] }] };
  const principalOf = (request: Parameters<typeof requirePrincipal>[1]) =>
    requirePrincipal(identity, request);

  app.post(
    '/api/me/device-links',
    {
      bodyLimit: BODY_LIMITS.create,
      schema: {
        ...base,
        body: createDeviceLinkRequestSchema,
        response: { 201: createdDeviceLinkSchema, '4xx': errorBodySchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createDeviceLink(ctx, await principalOf(request), request.body)),
  );
  app.get(
    '/api/me/device-links',
    {
      schema: {
        ...base,
        response: { 200: listDeviceLinksResponseSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => ({ links: await listDeviceLinks(ctx, await principalOf(request)) }),
  );
  app.get(
    '/api/me/device-links/:id',
    {
      schema: {
        ...base,
        params: idParamsSchema,
        response: { 200: deviceLinkStateSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => readDeviceLink(ctx, await principalOf(request), request.params.id),
  );
  app.post(
    '/api/me/device-links/:id/approve',
    {
      bodyLimit: BODY_LIMITS.approve,
      schema: {
        ...base,
        params: idParamsSchema,
        body: approveDeviceLinkRequestSchema,
        response: { 204: z.null(), '4xx': errorBodySchema },
      },
    },
    async (request, reply) => {
      await approveDeviceLink(ctx, await principalOf(request), request.params.id, request.body);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/api/me/recovery',
    {
      bodyLimit: BODY_LIMITS.recovery,
      schema: {
        ...base,
        body: putRecoveryRequestSchema,
        response: { 200: recoveryViewSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => putRecovery(ctx, await principalOf(request), request.body),
  );
  app.get(
    '/api/me/recovery',
    {
      schema: {
        ...base,
        response: { 200: recoveryViewSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => getRecovery(ctx, await principalOf(request)),
  );
}
