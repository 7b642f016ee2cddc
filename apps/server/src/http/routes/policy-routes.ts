import {
  errorBodySchema,
  organizationPolicySchema,
  updatePolicyRequestSchema,
} from '@amtsbote/protocol';
import type { IdentityContext } from '../../identity/identity-context.js';
import { changePolicy, describePolicy } from '../../identity/policy-service.js';
import type { App } from '../app.js';
import { requireAdmin, requirePrincipal } from '../authenticate.js';

/**
 * The organization's policy: members read the values in force (their clients follow them),
 * administrators change it; a PUT changes only the fields it names.
 */
export function registerPolicyRoutes(app: App, ctx: IdentityContext): void {
  const security = [{ session: [] }];
  const response = { 200: organizationPolicySchema, '4xx': errorBodySchema };

  app.get('/api/policy', { schema: { tags: ['account'], security, response } }, async (request) => {
    const principal = await requirePrincipal(ctx, request);
    return describePolicy(ctx, principal.organizationId);
  });
  app.get(
    '/api/admin/policy',
    { schema: { tags: ['admin'], security, response } },
    async (request) => {
      const admin = await requireAdmin(ctx, request);
      return describePolicy(ctx, admin.organizationId);
    },
  );
  app.put(
    '/api/admin/policy',
    { schema: { tags: ['admin'], security, body: updatePolicyRequestSchema, response } },
    async (request) => {
      const admin = await requireAdmin(ctx, request);
      return changePolicy(ctx, admin.organizationId, request.body);
    },
  );
}
