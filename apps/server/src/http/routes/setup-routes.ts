import {
  errorBodySchema,
  sessionGrantSchema,
  setupRequestSchema,
  setupStatusSchema,
} from '@amtsbote/protocol';
import type { IdentityContext } from '../../identity/identity-context.js';
import { completeSetup, isSetupDone } from '../../identity/setup-service.js';
import { guardSecretAttempt } from '../../identity/secret-guard.js';
import type { App } from '../app.js';
import { clientAddress } from '../authenticate.js';

export function registerSetupRoutes(
  app: App,
  ctx: IdentityContext,
  limit: { max: number; timeWindow: number },
): void {
  app.get(
    '/api/setup',
    { schema: { tags: ['setup'], response: { 200: setupStatusSchema } } },
    async () => ({ isSetupDone: await isSetupDone(ctx) }),
  );
  app.post(
    '/api/setup',
    {
      config: { rateLimit: limit },
      schema: {
        tags: ['setup'],
        body: setupRequestSchema,
        response: { 201: sessionGrantSchema, '4xx': errorBodySchema },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await guardSecretAttempt(ctx, clientAddress(request), () =>
            completeSetup(ctx, request.body),
          ),
        ),
  );
}
