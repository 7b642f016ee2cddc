import { errorBodySchema, loginRequestSchema, loginResponseSchema } from '@amtsbote/protocol';
import { z } from 'zod';
import { endMySession } from '../../identity/account-service.js';
import type { IdentityContext } from '../../identity/identity-context.js';
import { passwordLogin } from '../../identity/login-service.js';
import type { App } from '../app.js';
import { clientAddress, requirePrincipal } from '../authenticate.js';

export function registerAuthRoutes(
  app: App,
  ctx: IdentityContext,
  limit: { max: number; timeWindow: number },
): void {
  app.post(
    '/api/auth/login',
    {
      config: { rateLimit: limit },
      schema: {
        tags: ['auth'],
        body: loginRequestSchema,
        response: { 200: loginResponseSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => passwordLogin(ctx, request.body, clientAddress(request)),
  );
  app.post(
    '/api/auth/logout',
    {
      schema: {
        tags: ['auth'],
        security: [{ session: [] }],
        response: { 200: z.object({ status: z.literal('ended') }), '4xx': errorBodySchema },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(ctx, request);
      await endMySession(ctx, principal, principal.sessionId);
      return { status: 'ended' as const };
    },
  );
}
