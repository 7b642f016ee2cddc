import {
  acceptInviteRequestSchema,
  errorBodySchema,
  inspectInviteRequestSchema,
  inviteInfoSchema,
  sessionGrantSchema,
} from '@amtsbote/protocol';
import type { IdentityContext } from '../../identity/identity-context.js';
import { acceptInvite, inspectInvite } from '../../identity/invite-service.js';
import { guardSecretAttempt } from '../../identity/secret-guard.js';
import type { App } from '../app.js';
import { clientAddress } from '../authenticate.js';

/** Invite tokens travel in bodies, never in URLs, so they do not end up in access logs. */
export function registerInviteRoutes(
  app: App,
  ctx: IdentityContext,
  limit: { max: number; timeWindow: number },
): void {
  app.post(
    '/api/invites/inspect',
    {
      config: { rateLimit: limit },
      schema: {
        tags: ['invites'],
        body: inspectInviteRequestSchema,
        response: { 200: inviteInfoSchema, '4xx': errorBodySchema },
      },
    },
    async (request) =>
      guardSecretAttempt(ctx, clientAddress(request), () => inspectInvite(ctx, request.body.token)),
  );
  app.post(
    '/api/invites/accept',
    {
      config: { rateLimit: limit },
      schema: {
        tags: ['invites'],
        body: acceptInviteRequestSchema,
        response: { 201: sessionGrantSchema, '4xx': errorBodySchema },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await guardSecretAttempt(ctx, clientAddress(request), () =>
            acceptInvite(ctx, request.body),
          ),
        ),
  );
}
