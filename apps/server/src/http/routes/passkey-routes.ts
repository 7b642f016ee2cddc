import {
  errorBodySchema,
  idParamsSchema,
  passkeyLoginOptionsRequestSchema,
  passkeyLoginRequestSchema,
  passkeyOptionsResponseSchema,
  passkeyRegisterRequestSchema,
  passkeyViewSchema,
  securitySettingsSchema,
  sessionGrantSchema,
} from '@amtsbote/protocol';
import { z } from 'zod';
import type { IdentityContext } from '../../identity/identity-context.js';
import {
  listPasskeys,
  loginOptions,
  passkeyLogin,
  registerPasskey,
  registrationOptions,
  removePasskey,
  setRequirePasskey,
} from '../../identity/passkey-service.js';
import type { App } from '../app.js';
import { clientAddress, requirePrincipal } from '../authenticate.js';

/** WebAuthn responses carry attestation objects; 32 KiB is ample and still bounded. */
const WEBAUTHN_BODY_LIMIT_BYTES = 32 * 1024;

export function registerPasskeyRoutes(
  app: App,
  ctx: IdentityContext,
  limit: { max: number; timeWindow: number },
): void {
  const session = [{ session: [] }];
  app.post(
    '/api/auth/passkey/options',
    {
      config: { rateLimit: limit },
      schema: {
        tags: ['auth'],
        body: passkeyLoginOptionsRequestSchema,
        response: { 200: passkeyOptionsResponseSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => loginOptions(ctx, request.body.organization),
  );
  app.post(
    '/api/auth/passkey/login',
    {
      bodyLimit: WEBAUTHN_BODY_LIMIT_BYTES,
      config: { rateLimit: limit },
      schema: {
        tags: ['auth'],
        body: passkeyLoginRequestSchema,
        response: { 200: sessionGrantSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => passkeyLogin(ctx, request.body, clientAddress(request)),
  );
  app.post(
    '/api/me/passkeys/options',
    {
      schema: {
        tags: ['account'],
        security: session,
        response: { 200: passkeyOptionsResponseSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => registrationOptions(ctx, await requirePrincipal(ctx, request)),
  );
  app.post(
    '/api/me/passkeys',
    {
      bodyLimit: WEBAUTHN_BODY_LIMIT_BYTES,
      schema: {
        tags: ['account'],
        security: session,
        body: passkeyRegisterRequestSchema,
        response: { 201: passkeyViewSchema, '4xx': errorBodySchema },
      },
    },
    async (request, reply) => {
      const principal = await requirePrincipal(ctx, request);
      return reply.code(201).send(await registerPasskey(ctx, principal, request.body));
    },
  );
  app.get(
    '/api/me/passkeys',
    {
      schema: {
        tags: ['account'],
        security: session,
        response: {
          200: z.object({ passkeys: z.array(passkeyViewSchema) }),
          '4xx': errorBodySchema,
        },
      },
    },
    async (request) => ({
      passkeys: await listPasskeys(ctx, await requirePrincipal(ctx, request)),
    }),
  );
  app.delete(
    '/api/me/passkeys/:id',
    {
      schema: {
        tags: ['account'],
        security: session,
        params: idParamsSchema,
        response: { 204: z.null(), '4xx': errorBodySchema },
      },
    },
    async (request, reply) => {
      await removePasskey(ctx, await requirePrincipal(ctx, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.put(
    '/api/me/security',
    {
      schema: {
        tags: ['account'],
        security: session,
        body: securitySettingsSchema,
        response: { 200: securitySettingsSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => {
      await setRequirePasskey(
        ctx,
        await requirePrincipal(ctx, request),
        request.body.requirePasskey,
      );
      return request.body;
    },
  );
}
