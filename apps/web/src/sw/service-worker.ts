/*
 * The app's service worker (built to /sw.js, scope /): keeps the app shell (index.html and the
 * hashed assets of this build) so the app opens offline, and turns a Web Push message into a
 * notification that says only that there is something new. Push payloads carry no content and
 * no sender (ADR 0015); the app shows names only itself, while it is unlocked.
 */

declare const self: ServiceWorkerGlobalScope;

/** Replaced at build time (vite.config.ts) with this build's files. */
declare const PRECACHE_FILES: readonly string[];
declare const BUILD_ID: string;

const CACHE = `amtsbote-shell-${BUILD_ID}`;
const SHELL = '/';
/** The app's files outside /assets/ (unhashed, so fetched from the network first). */
const ROOT_FILES = ['/manifest.webmanifest', '/icon.svg', '/icon-maskable.svg'];

/** The text of the notification, in the language the app last used (German by default). */
const ACTIVITY_TEXT = {
  de: { title: 'Amtsbote', body: 'Neue Aktivität' },
  en: { title: 'Amtsbote', body: 'New activity' },
} as const;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll([SHELL, ...ROOT_FILES, ...PRECACHE_FILES]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('amtsbote-shell-') && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  // The API is never cached; a transfer link's page needs the network anyway.
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/t/')) return;
  if (request.mode === 'navigate') {
    // The app's pages: the network first (a new build is seen at once), the shell offline.
    event.respondWith(
      fetch(request).catch(async () => (await caches.match(SHELL)) ?? Response.error()),
    );
    return;
  }
  if (ROOT_FILES.includes(url.pathname)) {
    // The manifest and icons: the network first (a new build is seen at once), the cache offline.
    event.respondWith(
      (async () => {
        try {
          const response = await fetch(request);
          if (response.ok) {
            const cache = await caches.open(CACHE);
            await cache.put(request, response.clone());
          }
          return response;
        } catch {
          return (await caches.match(request)) ?? Response.error();
        }
      })(),
    );
    return;
  }
  if (url.pathname.startsWith('/assets/')) {
    // Hashed names never change their content.
    event.respondWith((async () => (await caches.match(request)) ?? fetch(request))());
  }
});

self.addEventListener('push', (event) => {
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      // An open app syncs over its own connection; it is told to catch up now.
      for (const client of windows) client.postMessage({ type: 'activity' });
      if (windows.some((client) => client.visibilityState === 'visible')) return;
      const language = (await languageOfApp()) ?? 'de';
      const text = ACTIVITY_TEXT[language];
      await self.registration.showNotification(text.title, {
        body: text.body,
        tag: 'activity',
        icon: '/icon.svg',
      });
    })(),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows[0];
      if (open !== undefined) await open.focus();
      else await self.clients.openWindow(SHELL);
    })(),
  );
});

/** The language the app stored in the cache for the worker; null when none. */
async function languageOfApp(): Promise<'de' | 'en' | null> {
  const response = await caches.match('/__amtsbote_language');
  const text = response === undefined ? null : await response.text();
  return text === 'en' || text === 'de' ? text : null;
}
