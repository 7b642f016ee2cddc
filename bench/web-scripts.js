/*
 * The JavaScript a page loaded, as the web-budgets scenario counts it: every response of
 * resource type 'script' (or with a JavaScript content type) to the page itself, not the service
 * worker's script nor what the service worker fetches for its cache. Each body is compressed
 * here with node:zlib (gzip level 9, brotli quality 11), whatever the server sent on the wire.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

function sizesOf(body) {
  return {
    rawBytes: body.length,
    gzipBytes: gzipSync(body, { level: 9 }).length,
    brotliBytes: brotliCompressSync(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    }).length,
  };
}

function isJavaScript(response) {
  if (response.request().resourceType() === 'script') return true;
  return /javascript/.test(response.headers()['content-type'] ?? '');
}

/** Starts recording a page's script responses; `collect()` returns them with their sizes. */
export function recordScripts(page) {
  const pending = [];
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (!isJavaScript(response) || url.pathname === '/sw.js') return;
    pending.push(
      response.body().then(
        (body) => ({
          path: url.pathname,
          status: response.status(),
          contentEncoding: response.headers()['content-encoding'] ?? null,
          ...sizesOf(body),
        }),
        (error) => ({ path: url.pathname, error: String(error?.message ?? error) }),
      ),
    );
  });
  return {
    collect: async () => {
      const all = await Promise.all(pending);
      const seen = new Set();
      return all.filter((script) => !seen.has(script.path) && seen.add(script.path));
    },
  };
}

/** Totals over scripts, and the largest `top` by gzip size. */
export function scriptTotals(scripts, top = 10) {
  const measured = scripts.filter((s) => s.error === undefined);
  const sum = (key) => measured.reduce((total, s) => total + s[key], 0);
  return {
    files: measured.length,
    unreadable: scripts.filter((s) => s.error !== undefined),
    rawBytes: sum('rawBytes'),
    gzipBytes: sum('gzipBytes'),
    brotliBytes: sum('brotliBytes'),
    encodings: [...new Set(measured.map((s) => s.contentEncoding ?? 'identity'))],
    largest: [...measured].sort((a, b) => b.gzipBytes - a.gzipBytes).slice(0, top),
  };
}

/** The build's JavaScript assets the page did not load (the service worker caches them all). */
export function assetsNotLoaded(webDist, loadedPaths) {
  const loaded = new Set(loadedPaths);
  return readdirSync(join(webDist, 'assets'))
    .filter((name) => name.endsWith('.js') && !loaded.has(`/assets/${name}`))
    .map((name) => ({
      path: `/assets/${name}`,
      ...sizesOf(readFileSync(join(webDist, 'assets', name))),
    }));
}
