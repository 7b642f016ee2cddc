import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { WAIT_MS, choosePinAndKeepRecoveryKey, submitSetup } from './app-flows.js';
import { checkScreen } from './screen-check.js';

/* A server and an app that speak different protocol versions: the real server refuses the
   app's hello, and the app names which side is too old instead of trying again forever. The
   app's hello is rewritten on its way to the server to claim another version. */

const PIN = '482913';

/** Opens the app in a new page whose WebSocket hello claims `protocolVersion`. */
async function openClaiming(
  server: TestServer,
  page: Page,
  protocolVersion: number,
): Promise<{ page: Page; errors: string[] }> {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.routeWebSocket(/\/api\/ws$/, (socket) => {
    const toServer = socket.connectToServer();
    let isHelloSent = false;
    socket.onMessage((message) => {
      if (isHelloSent || typeof message !== 'string') {
        toServer.send(message);
        return;
      }
      isHelloSent = true;
      const hello = JSON.parse(message) as Record<string, unknown>;
      expect(hello).toHaveProperty('protocolVersion');
      toServer.send(JSON.stringify({ ...hello, protocolVersion }));
    });
  });
  await page.goto(server.baseUrl);
  await page.getByLabel('PIN oder Passphrase').fill(PIN);
  await page.getByRole('button', { name: 'Entsperren' }).click();
  return { page, errors };
}

describe('the web app and a server of another protocol version', () => {
  let browser: Browser;
  let server: TestServer;

  beforeAll(async () => {
    browser = await launchChromium();
    server = await startTestServer();
  });
  afterAll(async () => {
    await browser.close();
    await server.close();
  });

  it('names the side that is too old, in German and English', { timeout: 180_000 }, async () => {
    const context = await browser.newContext({ locale: 'de-DE' });
    const first = await context.newPage();
    await first.goto(`${server.baseUrl}/setup#${server.setupToken ?? ''}`);
    await submitSetup(first, { name: 'Stadt Musterstadt', slug: 'stadt-musterstadt' });
    await choosePinAndKeepRecoveryKey(first, PIN);
    await first
      .getByRole('status')
      .filter({ hasText: /^Verbunden$/ })
      .waitFor({ timeout: WAIT_MS });
    await first.close();

    // An app newer than the server: the server is too old.
    const newer = await openClaiming(server, await context.newPage(), 999);
    const serverTooOld = newer.page
      .getByRole('alert')
      .filter({ hasText: 'Der Server ist zu alt für diese App.' });
    await serverTooOld.waitFor({ timeout: WAIT_MS });
    expect(
      await newer.page
        .getByRole('status')
        .filter({ hasText: /^Verbunden$/ })
        .count(),
    ).toBe(0);
    await checkScreen(newer.page, 'version-server-too-old', 'de');
    await newer.page.getByRole('button', { name: 'English' }).click();
    await newer.page
      .getByRole('alert')
      .filter({ hasText: 'The server is too old for this app.' })
      .waitFor({ timeout: WAIT_MS });
    await newer.page.getByRole('button', { name: 'Deutsch' }).click();
    expect(newer.errors).toEqual([]);
    await newer.page.close();

    // An app older than the server accepts: the app is too old.
    const older = await openClaiming(server, await context.newPage(), 0);
    await older.page
      .getByRole('alert')
      .filter({ hasText: 'Diese App ist zu alt für den Server.' })
      .waitFor({ timeout: WAIT_MS });
    expect(older.errors).toEqual([]);
    await context.close();
  });
});
