import {
  deviceViewSchema,
  errorBodySchema,
  idParamsSchema,
  meResponseSchema,
  sessionViewSchema,
} from '@amtsbote/protocol';
import { z } from 'zod';
import {
  describeMe,
  endMySession,
  listMyDevices,
  listMySessions,
  revokeMyDevice,
} from '../../identity/account-service.js';
import type { IdentityContext } from '../../identity/identity-context.js';
import type { App } from '../app.js';
import { requirePrincipal } from '../authenticate.js';

export function registerAccountRoutes(app: App, ctx: IdentityContext): void {
  const base = { tags: ['account'], security: [{ session: [] }] };
  app.get(
    '/api/me',
    { schema: { ...base, response: { 200: meResponseSchema, '4xx': errorBodySchema } } },
    async (request) => describeMe(ctx, await requirePrincipal(ctx, request)),
  );
  app.get(
    '/api/me/sessions',
    {
      schema: {
        ...base,
        response: {
          200: z.object({ sessions: z.array(sessionViewSchema) }),
          '4xx': errorBodySchema,
        },
      },
    },
    async (request) => ({
      sessions: await listMySessions(ctx, await requirePrincipal(ctx, request)),
    }),
  );
  app.delete(
    '/api/me/sessions/:id',
    {
      schema: {
        ...base,
        params: idParamsSchema,
        response: { 204: z.null(), '4xx': errorBodySchema },
      },
    },
    async (request, reply) => {
      await endMySession(ctx, await requirePrincipal(ctx, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/api/me/devices',
    {
      schema: {
        ...base,
        response: { 200: z.object({ devices: z.array(deviceViewSchema) }), '4xx': errorBodySchema },
      },
    },
    async (request) => ({
      devices: await listMyDevices(ctx, await requirePrincipal(ctx, request)),
    }),
  );
  app.post(
    '/api/me/devices/:id/revoke',
    {
      schema: {
        ...base,
        params: idParamsSchema,
        response: { 204: z.null(), '4xx': errorBodySchema },
      },
    },
    async (request, reply) => {
      await revokeMyDevice(ctx, await requirePrincipal(ctx, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
}
