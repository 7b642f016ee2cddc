import fastifyStatic from '@fastify/static';
import { TRANSFER_PAGE_PATH, transferIdSchema } from '@amtsbote/protocol';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { App } from '../app.js';

/** Files at the root of the build (from apps/web/public, and the service worker). */
const ROOT_FILES = [
  ['sw.js', 'text/javascript; charset=utf-8'],
  ['manifest.webmanifest', 'application/manifest+json; charset=utf-8'],
  ['icon.svg', 'image/svg+xml'],
  ['icon-maskable.svg', 'image/svg+xml'],
] as const;

/**
 * Serves the web app (apps/web, built by Vite into apps/web/dist): its entry page for the app's
 * client-side paths, the download page of transfer links at `/t/<transfer id>`, and the built
 * assets under `/assets/`. Vite puts a content hash into every asset's name, so assets are
 * cached for a year; pages are revalidated on every load, so a new build is seen at once.
 */
export function registerWebRoutes(app: App, webRoot: string): void {
  const page = (file: string): (() => Promise<string>) => {
    let cached: Promise<string> | null = null;
    return () => (cached ??= readFile(path.join(webRoot, file), 'utf8'));
  };
  const indexPage = page('index.html');
  for (const url of ['/', '/setup', '/invite', '/login']) {
    app.get(url, { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(await indexPage()),
    );
  }

  // Only a build has assets. Unbuilt, the placeholder page (which needs none) is all there is.
  const assets = path.join(webRoot, 'assets');
  const isBuilt = existsSync(assets);

  // The installable app: manifest, icons and the service worker, whose scope must be the root.
  // None of them has a hashed name, so each is revalidated on every load.
  if (isBuilt) {
    for (const [file, type] of ROOT_FILES) {
      const content = page(file);
      app.get(`/${file}`, { schema: { hide: true } }, async (_request, reply) =>
        reply
          .type(type)
          .header('cache-control', 'no-cache')
          .send(await content()),
      );
    }
  }

  // The link's secret is in the fragment, which browsers never send: the server sees the id.
  const transferPage = page('transfer.html');
  app.get(
    `${TRANSFER_PAGE_PATH}/:id`,
    { schema: { hide: true, params: z.strictObject({ id: z.string() }) } },
    async (request, reply) => {
      if (!transferIdSchema.safeParse(request.params.id).success) {
        throw new AppError(404, 'not_found', 'no transfer page at this path');
      }
      if (!isBuilt) {
        throw new AppError(404, 'not_found', 'the web app is not built (npm run build)');
      }
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(await transferPage());
    },
  );

  if (isBuilt) {
    void app.register(fastifyStatic, {
      root: assets,
      prefix: '/assets/',
      decorateReply: false,
      index: false,
      list: false,
      dotfiles: 'deny',
      cacheControl: true,
      maxAge: '365d',
      immutable: true,
      // The build writes .br and .gz beside each script and style sheet (apps/web/vite.config.ts).
      // Caches must keep the encodings apart; @fastify/static does not say so itself.
      preCompressed: true,
      setHeaders: (response) => {
        response.setHeader('vary', 'accept-encoding');
      },
    });
  }
}
