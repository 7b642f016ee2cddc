import { directoryPageSchema, directoryQuerySchema, errorBodySchema } from '@amtsbote/protocol';
import { searchDirectory } from '../../identity/directory-service.js';
import type { IdentityContext } from '../../identity/identity-context.js';
import type { App } from '../app.js';
import { requirePrincipal } from '../authenticate.js';

/** The colleague directory, for every member of the organization (not only administrators). */
export function registerDirectoryRoutes(app: App, ctx: IdentityContext): void {
  app.get(
    '/api/directory',
    {
      schema: {
        tags: ['directory'],
        security: [{ session: [] }],
        querystring: directoryQuerySchema,
        response: { 200: directoryPageSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => searchDirectory(ctx, await requirePrincipal(ctx, request), request.query),
  );
}
