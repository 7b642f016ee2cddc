import {
  createInviteRequestSchema,
  createdInviteSchema,
  deviceViewSchema,
  errorBodySchema,
  idParamsSchema,
  inviteViewSchema,
  listUsersQuerySchema,
  updateUserRequestSchema,
  userViewSchema,
} from '@amtsbote/protocol';
import { z } from 'zod';
import {
  disableUser,
  enableUser,
  listOrganizationUsers,
  listUserDevices,
  revokeDeviceAsAdmin,
  updateOrganizationUser,
} from '../../identity/admin-service.js';
import type { IdentityContext } from '../../identity/identity-context.js';
import {
  createInvite,
  listOrganizationInvites,
  revokeOrganizationInvite,
} from '../../identity/invite-service.js';
import type { App } from '../app.js';
import { requireAdmin } from '../authenticate.js';

/** Administration of the caller's own organization; every query is scoped to it. */
export function registerAdminRoutes(app: App, ctx: IdentityContext): void {
  const base = { tags: ['admin'], security: [{ session: [] }] };
  const noContent = { 204: z.null(), '4xx': errorBodySchema };

  app.get(
    '/api/admin/users',
    {
      schema: {
        ...base,
        querystring: listUsersQuerySchema,
        response: { 200: z.object({ users: z.array(userViewSchema) }), '4xx': errorBodySchema },
      },
    },
    async (request) => {
      const admin = await requireAdmin(ctx, request);
      return {
        users: await listOrganizationUsers(ctx, admin.organizationId, {
          search: request.query.q,
          limit: request.query.limit,
        }),
      };
    },
  );
  app.patch(
    '/api/admin/users/:id',
    {
      schema: {
        ...base,
        params: idParamsSchema,
        body: updateUserRequestSchema,
        response: { 200: userViewSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => {
      const admin = await requireAdmin(ctx, request);
      return updateOrganizationUser(ctx, admin.organizationId, request.params.id, request.body);
    },
  );
  app.post(
    '/api/admin/users/:id/disable',
    {
      schema: {
        ...base,
        params: idParamsSchema,
        response: { 200: userViewSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => {
      const admin = await requireAdmin(ctx, request);
      return disableUser(ctx, admin.organizationId, request.params.id);
    },
  );
  app.post(
    '/api/admin/users/:id/enable',
    {
      schema: {
        ...base,
        params: idParamsSchema,
        response: { 200: userViewSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => {
      const admin = await requireAdmin(ctx, request);
      return enableUser(ctx, admin.organizationId, request.params.id);
    },
  );
  app.get(
    '/api/admin/users/:id/devices',
    {
      schema: {
        ...base,
        params: idParamsSchema,
        response: { 200: z.object({ devices: z.array(deviceViewSchema) }), '4xx': errorBodySchema },
      },
    },
    async (request) => {
      const admin = await requireAdmin(ctx, request);
      return { devices: await listUserDevices(ctx, admin.organizationId, request.params.id) };
    },
  );
  app.post(
    '/api/admin/devices/:id/revoke',
    { schema: { ...base, params: idParamsSchema, response: noContent } },
    async (request, reply) => {
      const admin = await requireAdmin(ctx, request);
      await revokeDeviceAsAdmin(ctx, admin.organizationId, request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/api/admin/invites',
    {
      schema: {
        ...base,
        response: { 200: z.object({ invites: z.array(inviteViewSchema) }), '4xx': errorBodySchema },
      },
    },
    async (request) => {
      const admin = await requireAdmin(ctx, request);
      return { invites: await listOrganizationInvites(ctx, admin.organizationId) };
    },
  );
  app.post(
    '/api/admin/invites',
    {
      schema: {
        ...base,
        body: createInviteRequestSchema,
        response: { 201: createdInviteSchema, '4xx': errorBodySchema },
      },
    },
    async (request, reply) => {
      const admin = await requireAdmin(ctx, request);
      return reply
        .code(201)
        .send(await createInvite(ctx, admin.organizationId, admin.userId, request.body));
    },
  );
  app.delete(
    '/api/admin/invites/:id',
    { schema: { ...base, params: idParamsSchema, response: noContent } },
    async (request, reply) => {
      const admin = await requireAdmin(ctx, request);
      await revokeOrganizationInvite(ctx, admin.organizationId, request.params.id);
      return reply.code(204).send(null);
    },
  );
}
