import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import { randomUUID } from 'node:crypto';
import Fastify, {
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { FilesContext } from '../files/file-service.js';
import type { IdentityContext } from '../identity/identity-context.js';
import { DEFAULT_HISTORY_QUOTA_BYTES } from '../messaging/history-service.js';
import type { MessagingContext } from '../messaging/messaging-context.js';
import type { Metrics } from '../observability/metrics.js';
import type { PushContext } from '../push/push-subscription-service.js';
import type { Storage } from '../storage/open-storage.js';
import { handleError } from './error-handler.js';
import { registerAccountRoutes } from './routes/account-routes.js';
import { registerAdminRoutes } from './routes/admin-routes.js';
import { registerAuthRoutes } from './routes/auth-routes.js';
import { registerDeviceLinkRoutes } from './routes/device-link-routes.js';
import { registerDirectoryRoutes } from './routes/directory-routes.js';
import { registerFileRoutes } from './routes/file-routes.js';
import { registerTransferRoutes } from './routes/transfer-routes.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerHistoryRoutes } from './routes/history-routes.js';
import { registerInviteRoutes } from './routes/invite-routes.js';
import { registerMessagingRoutes } from './routes/messaging-routes.js';
import { registerPasskeyRoutes } from './routes/passkey-routes.js';
import { registerPolicyRoutes } from './routes/policy-routes.js';
import { registerPushRoutes } from './routes/push-routes.js';
import { registerSetupRoutes } from './routes/setup-routes.js';
import { registerWebRoutes } from './routes/web-routes.js';

export interface AppDependencies {
  readonly logger: Logger;
  readonly storage: Storage;
  readonly identity: IdentityContext;
  readonly messaging: MessagingContext;
  /** Encrypted files: the blob store, its tus uploads and the limits (ADR 0013). */
  readonly files: FilesContext;
  /** Web push subscriptions and the VAPID key (ADR 0015). */
  readonly push: PushContext;
  readonly metrics: Metrics;
  readonly trustProxy: boolean;
  readonly webRoot: string;
  /** Requests per minute per client address on routes that try secrets (login, setup, invites). */
  readonly authRateLimitPerMinute?: number;
  /** Per-user quota of the history backup (default DEFAULT_HISTORY_QUOTA_BYTES). */
  readonly historyQuotaBytes?: number;
  /** Requests per minute per client address on every route (default 600). */
  readonly rateLimitPerMinute?: number;
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  Logger,
  ZodTypeProvider
>;

/** Default body limit for every route; routes that need more say so themselves. */
export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;

export async function buildApp(deps: AppDependencies): Promise<App> {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: DEFAULT_BODY_LIMIT_BYTES,
    trustProxy: deps.trustProxy,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 200 },
  }).withTypeProvider<ZodTypeProvider>();

  // The API speaks JSON only; Fastify's default text/plain parser would let such bodies through.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request) => {
    throw new AppError(
      404,
      'not_found',
      `no route for ${request.method} ${request.routeOptions.url ?? 'this path'}`,
    );
  });

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.httpRequestDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
  // A graceful stop waits for every open connection. Answers sent while stopping (to requests
  // already in flight) close theirs; a kept-alive one would hold the stop for keepAliveTimeout.
  let isClosing = false;
  app.addHook('preClose', (done) => {
    isClosing = true;
    done();
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (isClosing) void reply.header('connection', 'close');
    return payload;
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        workerSrc: ["'self'"],
        manifestSrc: ["'self'"],
      },
    },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(rateLimit, {
    global: true,
    max: deps.rateLimitPerMinute ?? 600,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, context) =>
      new AppError(429, 'too_many_requests', 'too many requests', {
        retryAfterSeconds: Math.ceil(context.ttl / 1000),
      }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Amtsbote API', version: '1' },
      components: {
        securitySchemes: { session: { type: 'http', scheme: 'bearer' } },
      },
    },
    transform: jsonSchemaTransform,
  });

  const authLimit = { max: deps.authRateLimitPerMinute ?? 30, timeWindow: 60_000 };
  registerHealthRoutes(app, deps);
  registerSetupRoutes(app, deps.identity, authLimit);
  registerAuthRoutes(app, deps.identity, authLimit);
  registerPasskeyRoutes(app, deps.identity, authLimit);
  registerInviteRoutes(app, deps.identity, authLimit);
  registerAccountRoutes(app, deps.identity);
  registerAdminRoutes(app, deps.identity);
  registerDirectoryRoutes(app, deps.identity);
  registerPolicyRoutes(app, deps.identity);
  registerMessagingRoutes(app, deps.identity, deps.messaging);
  registerDeviceLinkRoutes(app, deps.identity, deps.messaging);
  registerHistoryRoutes(app, deps.identity, deps.messaging, {
    quotaBytes: deps.historyQuotaBytes ?? DEFAULT_HISTORY_QUOTA_BYTES,
  });
  registerFileRoutes(app, deps.identity, deps.files);
  registerTransferRoutes(app, deps.identity, deps.files, authLimit);
  registerPushRoutes(app, deps.identity, deps.push);
  registerWebRoutes(app, deps.webRoot);
  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());
  return app;
}
