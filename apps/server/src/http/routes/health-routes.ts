import { z } from 'zod';
import type { App, AppDependencies } from '../app.js';

const READY_TIMEOUT_MS = 2_000;

export function registerHealthRoutes(
  app: App,
  deps: Pick<AppDependencies, 'storage' | 'metrics'>,
): void {
  const routeConfig = { rateLimit: false } as const;
  app.get(
    '/healthz',
    {
      config: routeConfig,
      schema: { tags: ['operations'], response: { 200: z.object({ status: z.literal('ok') }) } },
    },
    () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      config: routeConfig,
      schema: {
        tags: ['operations'],
        response: {
          200: z.object({ status: z.literal('ready'), storage: z.string() }),
          503: z.object({ status: z.literal('unavailable'), storage: z.string() }),
        },
      },
    },
    async (_request, reply) => {
      const isReady = await deps.storage.ping(READY_TIMEOUT_MS);
      return isReady
        ? { status: 'ready' as const, storage: deps.storage.kind }
        : reply.code(503).send({ status: 'unavailable' as const, storage: deps.storage.kind });
    },
  );
  app.get('/metrics', { config: routeConfig, schema: { hide: true } }, async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
}
