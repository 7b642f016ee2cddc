import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  WAIT_MS,
  acceptInvitation,
  choosePinAndKeepRecoveryKey,
  createInvitation,
  isUsualRefusal,
  submitSetup,
} from './app-flows.js';

/* The outbox in the web app: Anna loses the network, writes two texts that wait in her outbox,
   reloads the app while still offline and finds them waiting, in order; once the network is
   back they go out, each exactly once, and Bernd receives them in order. */

const ANNA_PIN = '482913';
const WAITING = 'wartet auf die Verbindung';
const CONNECTED = 'Verbunden';
const DISCONNECTED =
  'Keine Verbindung – Nachrichten werden gesendet, sobald die Verbindung wieder steht';
const FIRST = 'Erster Text ohne Netz';
const SECOND = 'Zweiter Text ohne Netz';

interface OpenedApp {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Only when opened with isNetworkCuttable. */
  readonly network: Network | null;
  readonly problems: string[];
  violations(): Promise<string[]>;
}

const WATCH_PAGE = `
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__violations.push([event.violatedDirective, event.blockedURI].join(' '));
  });
`;

/** A close's code and reason, passed on as given (either may be absent). */
function closeOptions(
  code: number | undefined,
  reason: string | undefined,
): { code?: number; reason?: string } {
  return {
    ...(code === undefined ? {} : { code }),
    ...(reason === undefined ? {} : { reason }),
  };
}

/**
 * The network of one app, which the test can cut: `context.setOffline` fails HTTP, but Chromium
 * keeps open WebSockets through it (playwright#4910), so the app's socket goes through a route
 * here that is closed when the network goes and refuses new sockets while it is gone.
 */
class Network {
  readonly #context: BrowserContext;
  readonly #sockets = new Set<{ readonly page: WebSocketRoute; readonly server: WebSocketRoute }>();
  #isOnline = true;

  constructor(context: BrowserContext) {
    this.#context = context;
  }

  async route(page: Page): Promise<void> {
    await page.routeWebSocket(/\/api\/ws$/, async (socket) => {
      if (!this.#isOnline) {
        // 1001 "going away": a close that a retry can cure, as a lost network is.
        await socket.close({ code: 1001, reason: 'offline' });
        return;
      }
      const pair = { page: socket, server: socket.connectToServer() };
      this.#sockets.add(pair);
      // A close of either side closes the other (the default, which an onClose handler ends).
      pair.page.onClose(async (code, reason) => {
        this.#sockets.delete(pair);
        await pair.server.close(closeOptions(code, reason));
      });
      pair.server.onClose(async (code, reason) => {
        this.#sockets.delete(pair);
        await pair.page.close(closeOptions(code, reason));
      });
    });
  }

  async cut(): Promise<void> {
    this.#isOnline = false;
    await this.#context.setOffline(true);
    for (const pair of [...this.#sockets]) {
      this.#sockets.delete(pair);
      await pair.page.close({ code: 1001, reason: 'offline' });
      await pair.server.close({ code: 1001, reason: 'offline' });
    }
  }

  async restore(): Promise<void> {
    this.#isOnline = true;
    await this.#context.setOffline(false);
  }
}

async function openApp(
  browser: Browser,
  url: string,
  isNetworkCuttable = false,
): Promise<OpenedApp> {
  const context = await browser.newContext({
    locale: 'de-DE',
    viewport: { width: 1440, height: 900 },
  });
  await context.addInitScript(WATCH_PAGE);
  const page = await context.newPage();
  const network = isNetworkCuttable ? new Network(context) : null;
  await network?.route(page);
  const apiPrefix = `${new URL(url).origin}/api/`;
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('response', (response) => {
    const pathname = new URL(response.url()).pathname;
    if (response.status() >= 400 && !isUsualRefusal(response.status(), pathname)) {
      problems.push(`http ${response.status()}: ${response.url()}`);
    }
  });
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    // Error answers are judged by the response listener above; the API requests that the cut
    // network failed are expected, nothing else is.
    const isAnswered = text.startsWith('Failed to load resource: the server responded with');
    const isCutOff =
      text === 'Failed to load resource: net::ERR_INTERNET_DISCONNECTED' &&
      message.location().url.startsWith(apiPrefix);
    if (!isAnswered && !isCutOff) problems.push(`console: ${text}`);
  });
  await page.goto(url);
  return {
    context,
    page,
    network,
    problems,
    violations: () => page.evaluate<string[]>('window.__violations'),
  };
}

async function sendText(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Nachricht' }).fill(text);
  await page.getByRole('textbox', { name: 'Nachricht' }).press('Enter');
}

const log = (page: Page) => page.getByRole('log', { name: 'Nachrichten' });

/** The texts of the shown messages, top to bottom. */
const shownTexts = (page: Page): Promise<string[]> =>
  log(page).getByRole('article').locator('.message-text').allTextContents();

/** The texts of the messages shown as waiting for the connection, top to bottom. */
const waitingTexts = (page: Page): Promise<string[]> =>
  log(page)
    .getByRole('article')
    .filter({ has: page.getByText(WAITING, { exact: true }) })
    .locator('.message-text')
    .allTextContents();

/** The connection indicator, when it says exactly this. */
const connection = (page: Page, says: string) =>
  page.getByRole('status').filter({ hasText: new RegExp(`^${says}$`) });

describe('the outbox in the web app', () => {
  let browser: Browser;
  let server: TestServer;
  const opened: OpenedApp[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    server = await startTestServer();
  });
  afterAll(async () => {
    for (const app of opened) await app.context.close();
    await browser.close();
    await server.close();
  });

  it(
    'keeps texts written offline waiting across a reload and sends them once on reconnect',
    { timeout: 240_000 },
    async () => {
      const anna = await openApp(
        browser,
        `${server.baseUrl}/setup#${server.setupToken ?? ''}`,
        true,
      );
      opened.push(anna);
      const annaNetwork = anna.network;
      if (annaNetwork === null) throw new Error('the network of Anna is not routed');
      const a = anna.page;
      await submitSetup(a, { name: 'Stadt Musterstadt', slug: 'stadt-musterstadt' });
      await choosePinAndKeepRecoveryKey(a, ANNA_PIN);
      const inviteToken = await createInvitation(a);

      const bernd = await openApp(browser, `${server.baseUrl}/invite${inviteToken}`);
      opened.push(bernd);
      const b = bernd.page;
      await acceptInvitation(b, { displayName: 'Bernd Berger', username: 'bernd' });
      await choosePinAndKeepRecoveryKey(b, 'bernd-pin-2026');

      // A direct conversation, both online, both looking at it.
      await a.getByRole('button', { name: 'Neue Unterhaltung' }).click();
      await a.getByLabel('Kolleginnen und Kollegen suchen').fill('Bernd');
      await a.getByRole('dialog').getByText('Bernd Berger', { exact: true }).click();
      await a.getByRole('button', { name: 'Erstellen' }).click();
      await a.getByRole('heading', { name: 'Bernd Berger' }).waitFor({ timeout: WAIT_MS });
      await sendText(a, 'Guten Morgen, Bernd!');
      await b.getByRole('option', { name: /^Anna Admin/ }).click({ timeout: WAIT_MS });
      await log(b).getByText('Guten Morgen, Bernd!', { exact: true }).waitFor({ timeout: WAIT_MS });
      await connection(a, CONNECTED).waitFor({ timeout: WAIT_MS });
      await connection(b, CONNECTED).waitFor({ timeout: WAIT_MS });
      // The service worker holds the app shell, so the page reloads without a network.
      await a.evaluate('navigator.serviceWorker.ready.then(() => true)');

      // The network goes: the app says so, and what Anna writes waits, in order.
      await annaNetwork.cut();
      await connection(a, DISCONNECTED).waitFor({ timeout: WAIT_MS });
      await sendText(a, FIRST);
      await expect.poll(() => waitingTexts(a), { timeout: WAIT_MS }).toEqual([FIRST]);
      await sendText(a, SECOND);
      await expect.poll(() => waitingTexts(a), { timeout: WAIT_MS }).toEqual([FIRST, SECOND]);
      expect(await shownTexts(a)).toEqual(['Guten Morgen, Bernd!', FIRST, SECOND]);

      // A reload without a network: unlocked, the two texts still wait, in order.
      await a.reload();
      await a.getByRole('heading', { name: 'Amtsbote ist gesperrt' }).waitFor({ timeout: WAIT_MS });
      await a.getByLabel('PIN oder Passphrase').fill(ANNA_PIN);
      await a.getByRole('button', { name: 'Entsperren' }).click();
      // The only conversation (its title needs the directory, which is out of reach).
      await a.getByRole('option').first().waitFor({ timeout: WAIT_MS });
      expect(await a.getByRole('option').count()).toBe(1);
      await a.getByRole('option').click();
      await connection(a, DISCONNECTED).waitFor({ timeout: WAIT_MS });
      await expect.poll(() => waitingTexts(a), { timeout: WAIT_MS }).toEqual([FIRST, SECOND]);
      expect(await shownTexts(a)).toEqual(['Guten Morgen, Bernd!', FIRST, SECOND]);
      expect(await log(b).getByText(FIRST, { exact: true }).count()).toBe(0);

      // The network is back: both go out, each once; nothing waits any more.
      await annaNetwork.restore();
      await connection(a, CONNECTED).waitFor({ timeout: WAIT_MS });
      await expect.poll(() => waitingTexts(a), { timeout: WAIT_MS }).toEqual([]);
      await expect
        .poll(() => shownTexts(a), { timeout: WAIT_MS })
        .toEqual(['Guten Morgen, Bernd!', FIRST, SECOND]);
      expect(await a.locator('.message.pending').count()).toBe(0);
      // Bernd's name, which the directory could not give offline, is looked up now.
      await a.getByRole('heading', { name: 'Bernd Berger' }).waitFor({ timeout: WAIT_MS });
      await expect
        .poll(() => shownTexts(b), { timeout: WAIT_MS })
        .toEqual(['Guten Morgen, Bernd!', FIRST, SECOND]);
      // Still once each a moment later: no late duplicate from the flush or the echo.
      await a.waitForTimeout(1_000);
      expect(await shownTexts(a)).toEqual(['Guten Morgen, Bernd!', FIRST, SECOND]);
      expect(await shownTexts(b)).toEqual(['Guten Morgen, Bernd!', FIRST, SECOND]);

      for (const app of [anna, bernd]) {
        expect(app.problems).toEqual([]);
        expect(await app.violations()).toEqual([]);
      }
    },
  );
});
