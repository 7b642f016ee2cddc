import {
  directoryLookupRequestSchema,
  directoryLookupResponseSchema,
  directoryPageSchema,
  directoryQuerySchema,
  errorBodySchema,
} from '@amtsbote/protocol';
import { lookupDirectory, searchDirectory } from '../../identity/directory-service.js';
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
  // POST for a body: up to MAX_DIRECTORY_LOOKUP_IDS uuids do not fit a query string safely.
  app.post(
    '/api/directory/lookup',
    {
      schema: {
        tags: ['directory'],
        security: [{ session: [] }],
        body: directoryLookupRequestSchema,
        response: { 200: directoryLookupResponseSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => lookupDirectory(ctx, await requirePrincipal(ctx, request), request.body),
  );
}
