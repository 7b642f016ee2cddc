import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { App } from '../app.js';

/**
 * Serves the web app's entry page for the app's client-side paths. The full PWA (static assets,
 * service worker) replaces this when apps/web is built; until then its placeholder page is shown.
 */
export function registerWebRoutes(app: App, webRoot: string): void {
  const indexPath = path.join(webRoot, 'index.html');
  let cached: Promise<string> | null = null;
  const page = (): Promise<string> => (cached ??= readFile(indexPath, 'utf8'));
  for (const url of ['/', '/setup', '/invite', '/login']) {
    app.get(url, { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(await page()),
    );
  }
}
