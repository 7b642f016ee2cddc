import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/* The installable app: manifest and icons served, the service worker keeps the app shell so the
   app opens without a network, and a push message becomes a notification without content. */

const WAIT_MS = 30_000;

describe('web app offline and push', () => {
  let browser: Browser;
  let server: TestServer;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    server = await startTestServer();
    context = await browser.newContext({ locale: 'de-DE' });
    page = await context.newPage();
  });
  afterAll(async () => {
    await context.close();
    await browser.close();
    await server.close();
  });

  it('serves an installable manifest with icons', async () => {
    const response = await fetch(`${server.baseUrl}/manifest.webmanifest`);
    expect(response.headers.get('content-type')).toMatch(/^application\/manifest\+json/);
    const manifest = (await response.json()) as {
      start_url: string;
      display: string;
      icons: { src: string; purpose: string }[];
    };
    expect(manifest).toMatchObject({ start_url: '/', display: 'standalone' });
    for (const icon of manifest.icons) {
      const iconResponse = await fetch(`${server.baseUrl}${icon.src}`);
      expect(iconResponse.status).toBe(200);
      expect(iconResponse.headers.get('content-type')).toBe('image/svg+xml');
    }
    const worker = await fetch(`${server.baseUrl}/sw.js`);
    expect(worker.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(worker.headers.get('cache-control')).toBe('no-cache');
  });

  it('opens the app shell without a network once the service worker holds it', async () => {
    await page.goto(`${server.baseUrl}/login`);
    await page.getByRole('heading', { name: 'Anmelden' }).waitFor({ timeout: WAIT_MS });
    await page.evaluate('navigator.serviceWorker.ready.then(() => true)');
    await context.setOffline(true);
    try {
      await page.reload();
      await page.getByRole('heading', { name: 'Anmelden' }).waitFor({ timeout: WAIT_MS });
      // The server is unreachable: signing in says so instead of failing silently.
      await page.getByLabel('Organisation (Kürzel)').fill('stadt-musterstadt');
      await page.getByLabel('Benutzername').fill('anna');
      await page.getByLabel('Passwort').fill('correct horse battery staple');
      await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
      await page
        .getByText('Der Server ist nicht erreichbar', { exact: false })
        .waitFor({ timeout: WAIT_MS });
    } finally {
      await context.setOffline(false);
    }
  });

  it('tells an open app to catch up, and shows a push as a notification without content when no app is open', async () => {
    await context.grantPermissions(['notifications'], { origin: server.baseUrl });
    await page.goto(`${server.baseUrl}/login`);
    await page.evaluate(`navigator.serviceWorker.ready.then(() => {
      window.__workerMessages = [];
      navigator.serviceWorker.addEventListener('message', (event) => window.__workerMessages.push(event.data));
    })`);
    const cdp = await context.newCDPSession(page);
    const registrationId = new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', (event) => {
        const registration = event.registrations.find((r) => r.scopeURL === `${server.baseUrl}/`);
        if (registration !== undefined) resolve(registration.registrationId);
      });
    });
    await cdp.send('ServiceWorker.enable');
    const push = async (): Promise<void> => {
      await cdp.send('ServiceWorker.deliverPushMessage', {
        origin: server.baseUrl,
        registrationId: await registrationId,
        data: '{"type":"activity"}',
      });
    };
    const notifications = (): Promise<{ title: string; body: string }[]> =>
      page.evaluate(`navigator.serviceWorker.ready
        .then((registration) => registration.getNotifications())
        .then((shown) => shown.map((n) => ({ title: n.title, body: n.body })))`);

    // The app is open and visible: it is told to catch up; no notification.
    await push();
    await page.waitForFunction('window.__workerMessages.length > 0', undefined, {
      timeout: WAIT_MS,
    });
    expect(await page.evaluate('window.__workerMessages')).toEqual([{ type: 'activity' }]);
    expect(await notifications()).toEqual([]);

    // No window of the app: the worker shows the fixed text, nothing from the push.
    await page.goto('about:blank');
    await push();
    await page.goto(`${server.baseUrl}/login`);
    let shown: { title: string; body: string }[] = [];
    for (let attempt = 0; attempt < 50 && shown.length === 0; attempt += 1) {
      shown = await notifications();
      if (shown.length === 0) await page.waitForTimeout(100);
    }
    expect(shown).toEqual([{ title: 'Amtsbote', body: 'Neue Aktivität' }]);
  });
});
