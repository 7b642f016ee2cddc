import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { checkScreen } from './screen-check.js';

/* Mentions and the urgent flag in the web app: Anna mentions Bernd in a group by choosing him
   from the "@" suggestions with the keyboard and sends the text marked urgent; Bernd sees the
   mention as his, the urgent mark and hears the urgent arrival. */

const WAIT_MS = 30_000;
const PASSWORD = 'correct horse battery staple';

interface OpenedApp {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly problems: string[];
  violations(): Promise<string[]>;
}

const WATCH_PAGE = `
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__violations.push([event.violatedDirective, event.blockedURI].join(' '));
  });
`;

async function openApp(browser: Browser, url: string): Promise<OpenedApp> {
  const context = await browser.newContext({
    locale: 'de-DE',
    viewport: { width: 1440, height: 900 },
  });
  await context.addInitScript(WATCH_PAGE);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('response', (response) => {
    // A first device asks whether a recovery blob exists (404: none yet); two devices committing
    // in the same epoch: the loser gets 409 and re-bases.
    const pathname = new URL(response.url()).pathname;
    const isExpected =
      (response.status() === 404 && pathname === '/api/me/recovery') ||
      (response.status() === 409 && /^\/api\/conversations\/[^/]+\/commits$/.test(pathname));
    if (response.status() >= 400 && !isExpected) {
      problems.push(`http ${response.status()}: ${response.url()}`);
    }
  });
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console: ${message.text()}`);
    }
  });
  await page.goto(url);
  return {
    context,
    page,
    problems,
    violations: () => page.evaluate<string[]>('window.__violations'),
  };
}

async function choosePinAndKeepRecoveryKey(page: Page, pin: string): Promise<void> {
  await page.getByRole('heading', { name: 'App-PIN festlegen' }).waitFor({ timeout: WAIT_MS });
  await page.getByLabel('PIN oder Passphrase').fill(pin);
  await page.getByLabel('PIN wiederholen').fill(pin);
  await page.getByRole('button', { name: 'PIN festlegen' }).click();
  await page
    .getByRole('heading', { name: 'Ihr Wiederherstellungsschlüssel' })
    .waitFor({ timeout: WAIT_MS });
  await page.getByText('Ich habe den Schlüssel sicher aufbewahrt').click();
  await page.getByRole('button', { name: 'Weiter' }).click();
  await page.getByRole('button', { name: 'Neue Unterhaltung' }).waitFor({ timeout: WAIT_MS });
}

const TEXT = 'Hallo @Bernd Berger bitte bis Mittag prüfen';

/** The message (article) whose text is exactly TEXT. */
const bubble = (page: Page) =>
  page
    .getByRole('log', { name: 'Nachrichten' })
    .getByRole('article')
    .filter({ has: page.getByText(TEXT, { exact: true }) });

describe('mentions and urgent messages in the web app', () => {
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
    'suggests members after "@", inserts the chosen one by keyboard and sends the text urgent',
    { timeout: 180_000 },
    async () => {
      const anna = await openApp(browser, `${server.baseUrl}/setup#${server.setupToken ?? ''}`);
      opened.push(anna);
      const a = anna.page;
      await a.getByRole('heading', { name: 'Amtsbote einrichten' }).waitFor({ timeout: WAIT_MS });
      await a.getByLabel('Name der Organisation').fill('Stadt Musterstadt');
      await a.getByLabel('Organisation (Kürzel)').fill('stadt-musterstadt');
      await a.getByLabel('Anzeigename').fill('Anna Admin');
      await a.getByLabel('Benutzername').fill('anna');
      await a.getByLabel('Passwort', { exact: true }).fill(PASSWORD);
      await a.getByLabel('Passwort wiederholen').fill(PASSWORD);
      await a.getByRole('button', { name: 'Einrichten' }).click();
      await choosePinAndKeepRecoveryKey(a, '482913');

      await a.getByRole('button', { name: 'Kollegin oder Kollegen einladen' }).click();
      await a.getByRole('button', { name: 'Einladungslink erstellen' }).click();
      const inviteToken = new URL(await a.getByTestId('invite-link').inputValue()).hash;
      await a.locator('.dialog-actions').getByRole('button', { name: 'Schließen' }).click();

      const bernd = await openApp(browser, `${server.baseUrl}/invite${inviteToken}`);
      opened.push(bernd);
      const b = bernd.page;
      await b.getByLabel('Anzeigename').fill('Bernd Berger');
      await b.getByLabel('Abteilung (optional)').fill('Bauamt');
      await b.getByLabel('Benutzername').fill('bernd');
      await b.getByLabel('Passwort', { exact: true }).fill(PASSWORD);
      await b.getByLabel('Passwort wiederholen').fill(PASSWORD);
      await b.getByRole('button', { name: 'Konto anlegen' }).click();
      await choosePinAndKeepRecoveryKey(b, 'bernd-pin-2026');
      const berndId = (
        await server.handle.storage.db
          .selectFrom('users')
          .select('id')
          .where('username', '=', 'bernd')
          .executeTakeFirstOrThrow()
      ).id;

      await a.getByRole('button', { name: 'Neue Unterhaltung' }).click();
      await a.getByRole('dialog').getByText('Gruppe', { exact: true }).click();
      await a.getByLabel('Name', { exact: true }).fill('Bauamt-Runde');
      await a.getByLabel('Kolleginnen und Kollegen suchen').fill('Bernd');
      await a.getByRole('dialog').getByText('Bernd Berger', { exact: true }).click();
      await a.getByRole('button', { name: 'Erstellen' }).click();
      await a.getByRole('heading', { name: 'Bauamt-Runde' }).waitFor({ timeout: WAIT_MS });
      // Bernd has the group open when the message arrives, so its arrival is announced.
      await b.getByRole('option', { name: /Bauamt-Runde/ }).click({ timeout: WAIT_MS });
      await b.getByRole('heading', { name: 'Bauamt-Runde' }).waitFor({ timeout: WAIT_MS });

      // "@Be" opens the suggestions; the field points at the list and at the option.
      const field = a.getByRole('textbox', { name: 'Nachricht' });
      await field.click();
      await field.pressSequentially('Hallo @Be');
      const list = a.getByRole('listbox', { name: 'Personen zum Erwähnen' });
      const option = list.getByRole('option', { name: 'Bernd Berger' });
      await option.waitFor({ timeout: WAIT_MS });
      expect(await list.getByRole('option').count()).toBe(1);
      expect(await field.getAttribute('aria-controls')).toBe(await list.getAttribute('id'));
      await a.getByText('1 Person zum Erwähnen', { exact: false }).waitFor();
      await field.press('ArrowDown');
      await expect
        .poll(() => field.getAttribute('aria-activedescendant'), { timeout: WAIT_MS })
        .toBe(await option.getAttribute('id'));
      await checkScreen(a, 'mention-suggestions', 'de');

      // Typing on filters: no one's name starts with "Bex".
      await field.press('x');
      await list.waitFor({ state: 'detached', timeout: WAIT_MS });
      await field.press('Backspace');
      await option.waitFor({ timeout: WAIT_MS });
      await field.press('Enter');
      await list.waitFor({ state: 'detached', timeout: WAIT_MS });
      expect(await field.inputValue()).toBe('Hallo @Bernd Berger ');
      await field.pressSequentially('bitte bis Mittag prüfen');

      const urgent = a.getByRole('button', { name: 'Dringend' });
      expect(await urgent.getAttribute('aria-pressed')).toBe('false');
      await urgent.click();
      expect(await urgent.getAttribute('aria-pressed')).toBe('true');
      await field.press('Enter');
      await bubble(a).waitFor({ timeout: WAIT_MS });
      expect(await field.inputValue()).toBe('');
      expect(await urgent.getAttribute('aria-pressed')).toBe('false');

      // Bernd: the mention is his (highlighted, marked as his, pointing at his user id), the
      // message is marked urgent in text, and the live region said so.
      const received = bubble(b);
      await received.waitFor({ timeout: WAIT_MS });
      const mention = received.locator('mark.mention.own');
      expect(await mention.textContent()).toBe('@Bernd Berger');
      expect(await mention.getAttribute('data-user-id')).toBe(berndId);
      await received.getByText('Sie wurden erwähnt', { exact: true }).waitFor();
      await received.getByText('Dringend', { exact: true }).waitFor();
      await b
        .getByText('Dringende Nachricht von Anna Admin. Sie wurden erwähnt.', { exact: true })
        .waitFor({ timeout: WAIT_MS });
      await checkScreen(b, 'mention-received', 'de');
      // For Anna the mention is highlighted too, but not as hers.
      expect(await bubble(a).locator('.mention').getAttribute('data-user-id')).toBe(berndId);
      expect(await bubble(a).getByText('Sie wurden erwähnt').count()).toBe(0);

      // Tab chooses as well; Escape closes the suggestions and keeps the text.
      await field.pressSequentially('@b');
      await option.waitFor({ timeout: WAIT_MS });
      await field.press('Tab');
      await list.waitFor({ state: 'detached', timeout: WAIT_MS });
      expect(await field.inputValue()).toBe('@Bernd Berger ');
      await expect.poll(() => a.evaluate('document.activeElement?.tagName')).toBe('TEXTAREA');
      await field.pressSequentially('und @');
      await option.waitFor({ timeout: WAIT_MS });
      await field.press('Escape');
      await list.waitFor({ state: 'detached', timeout: WAIT_MS });
      expect(await field.inputValue()).toBe('@Bernd Berger und @');

      for (const app of [anna, bernd]) {
        expect(app.problems).toEqual([]);
        expect(await app.violations()).toEqual([]);
      }
    },
  );
});
