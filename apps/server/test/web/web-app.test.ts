import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { checkScreen, checkScreenInBothLanguages } from './screen-check.js';

/* The web app in Debian's Chromium against a real server: first-administrator setup, an invited
   colleague, the vault's PIN, the recovery key, then both chat. Each person has their own
   browser context (their own IndexedDB, their own vault). */

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
    window.__violations.push([event.violatedDirective, event.blockedURI, event.sourceFile, event.lineNumber].join(' '));
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
    // A first device asks whether a recovery blob exists before it makes one: 404 is the answer.
    // Two devices committing to one group in the same epoch: the loser gets 409 and re-bases.
    const pathname = new URL(response.url()).pathname;
    const isExpected =
      (response.status() === 404 && pathname === '/api/me/recovery') ||
      (response.status() === 409 && /^\/api\/conversations\/[^/]+\/commits$/.test(pathname));
    if (response.status() >= 400 && !isExpected) {
      problems.push(`http ${response.status()}: ${response.url()}`);
    }
  });
  page.on('console', (message) => {
    // Failed requests are judged by the response listener above.
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

async function choosePinAndKeepRecoveryKey(
  page: Page,
  pin: string,
  isChecked = false,
): Promise<string> {
  await page.getByRole('heading', { name: 'App-PIN festlegen' }).waitFor({ timeout: WAIT_MS });
  if (isChecked) await checkScreenInBothLanguages(page, 'choose-pin');
  await page.getByLabel('PIN oder Passphrase').fill(pin);
  await page.getByLabel('PIN wiederholen').fill(pin);
  await page.getByRole('button', { name: 'PIN festlegen' }).click();
  await page
    .getByRole('heading', { name: 'Ihr Wiederherstellungsschlüssel' })
    .waitFor({ timeout: WAIT_MS });
  if (isChecked) await checkScreenInBothLanguages(page, 'recovery-key');
  const recoveryKey = (await page.getByTestId('recovery-key').textContent()) ?? '';
  await page.getByText('Ich habe den Schlüssel sicher aufbewahrt').click();
  await page.getByRole('button', { name: 'Weiter' }).click();
  await page.getByRole('button', { name: 'Neue Unterhaltung' }).waitFor({ timeout: WAIT_MS });
  return recoveryKey;
}

async function sendText(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Nachricht' }).fill(text);
  await page.getByRole('textbox', { name: 'Nachricht' }).press('Enter');
}

const message = (page: Page, text: string) =>
  page.getByRole('log', { name: 'Nachrichten' }).getByText(text, { exact: true });

/** The message (article) whose text is exactly this. */
const bubble = (page: Page, text: string) =>
  page
    .getByRole('log', { name: 'Nachrichten' })
    .getByRole('article')
    .filter({ has: page.getByText(text, { exact: true }) });

async function menuAction(page: Page, text: string, action: string): Promise<void> {
  await bubble(page, text).getByRole('button', { name: 'Aktionen für diese Nachricht' }).click();
  await page.getByRole('menuitem', { name: action }).click();
}

describe('web app', () => {
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
    'sets up, invites, chats, acknowledges, locks, adds a device with its history and wipes it remotely',
    { timeout: 240_000 },
    async () => {
      const anna = await openApp(browser, `${server.baseUrl}/setup#${server.setupToken ?? ''}`);
      opened.push(anna);
      const a = anna.page;
      await a.getByRole('heading', { name: 'Amtsbote einrichten' }).waitFor({ timeout: WAIT_MS });
      await checkScreenInBothLanguages(a, 'setup');
      await a.getByLabel('Name der Organisation').fill('Stadt Musterstadt');
      await a.getByLabel('Organisation (Kürzel)').fill('stadt-musterstadt');
      await a.getByLabel('Anzeigename').fill('Anna Admin');
      await a.getByLabel('Benutzername').fill('anna');
      await a.getByLabel('Passwort', { exact: true }).fill(PASSWORD);
      await a.getByLabel('Passwort wiederholen').fill(PASSWORD);
      await a.getByRole('button', { name: 'Einrichten' }).click();
      const recoveryKey = await choosePinAndKeepRecoveryKey(a, '482913', true);
      expect(recoveryKey.length).toBeGreaterThan(20);
      await a.getByText('Verbunden').waitFor({ timeout: WAIT_MS });

      await a.getByRole('button', { name: 'Kollegin oder Kollegen einladen' }).click();
      await checkScreen(a, 'invite-dialog', 'de');
      await a.getByRole('button', { name: 'Einladungslink erstellen' }).click();
      const inviteUrl = await a.getByTestId('invite-link').inputValue();
      const inviteToken = new URL(inviteUrl).hash;
      expect(inviteToken.length).toBeGreaterThan(20);
      await a.locator('.dialog-actions').getByRole('button', { name: 'Schließen' }).click();

      const bernd = await openApp(browser, `${server.baseUrl}/invite${inviteToken}`);
      opened.push(bernd);
      const b = bernd.page;
      await b.getByText('Sie sind zu Stadt Musterstadt eingeladen', { exact: false }).waitFor({
        timeout: WAIT_MS,
      });
      await checkScreenInBothLanguages(b, 'invite');
      await b.getByLabel('Anzeigename').fill('Bernd Berger');
      await b.getByLabel('Abteilung (optional)').fill('Bauamt');
      await b.getByLabel('Benutzername').fill('bernd');
      await b.getByLabel('Passwort', { exact: true }).fill(PASSWORD);
      await b.getByLabel('Passwort wiederholen').fill(PASSWORD);
      await b.getByRole('button', { name: 'Konto anlegen' }).click();
      await choosePinAndKeepRecoveryKey(b, 'bernd-pin-2026');

      await a.getByRole('button', { name: 'Neue Unterhaltung' }).click();
      await a.getByLabel('Kolleginnen und Kollegen suchen').fill('Bauamt');
      await a.getByRole('dialog').getByText('Bernd Berger', { exact: true }).waitFor();
      await checkScreen(a, 'new-conversation', 'de');
      await a.getByRole('dialog').getByText('Bernd Berger', { exact: true }).click();
      await a.getByRole('button', { name: 'Erstellen' }).click();
      await a
        .getByRole('heading', { name: 'Bernd Berger' })
        .waitFor({ timeout: WAIT_MS })
        .catch(async (e: unknown) => {
          await a.screenshot({ path: '/tmp/shot-a.png' });
          console.log(anna.problems);
          throw e;
        });
      await sendText(a, 'Guten Morgen, Bernd!');
      await message(a, 'Guten Morgen, Bernd!').waitFor({ timeout: WAIT_MS });

      await b
        .getByRole('option', { name: /^Anna Admin.*1 ungelesene Nachricht/ })
        .waitFor({ timeout: WAIT_MS });
      await b.getByRole('option', { name: /^Anna Admin/ }).click({ timeout: WAIT_MS });
      await message(b, 'Guten Morgen, Bernd!').waitFor({ timeout: WAIT_MS });
      await sendText(b, 'Morgen, Anna.');
      await message(a, 'Morgen, Anna.').waitFor({ timeout: WAIT_MS });

      // Read receipt: Bernd has the conversation open, so Anna's message shows as read.
      await bubble(a, 'Guten Morgen, Bernd!').getByText('Gelesen').waitFor({ timeout: WAIT_MS });

      // Reply
      await menuAction(b, 'Guten Morgen, Bernd!', 'Antworten');
      await b.getByText('Antwort an Anna Admin').waitFor({ timeout: WAIT_MS });
      await b.getByRole('textbox', { name: 'Nachricht' }).fill('Gern');
      await a.getByText('Bernd Berger schreibt …').waitFor({ timeout: WAIT_MS });
      await sendText(b, 'Gern geschehen.');
      await bubble(a, 'Gern geschehen.')
        .getByText('Antwort auf Sie: Guten Morgen, Bernd!')
        .waitFor({ timeout: WAIT_MS });

      // Reaction
      await menuAction(a, 'Morgen, Anna.', 'Mit 👍 reagieren');
      await bubble(b, 'Morgen, Anna.')
        .getByRole('button', { name: '👍 1 – von Anna Admin' })
        .waitFor({ timeout: WAIT_MS });

      await checkScreenInBothLanguages(a, 'conversation');

      // Edit
      await sendText(a, 'Treffen um 10 Uhr');
      await message(b, 'Treffen um 10 Uhr').waitFor({ timeout: WAIT_MS });
      await menuAction(a, 'Treffen um 10 Uhr', 'Bearbeiten');
      await a.getByRole('textbox', { name: 'Nachricht' }).fill('Treffen um 11 Uhr');
      await a.getByRole('textbox', { name: 'Nachricht' }).press('Enter');
      await bubble(b, 'Treffen um 11 Uhr').getByText('bearbeitet').waitFor({ timeout: WAIT_MS });

      // Delete
      await menuAction(a, 'Treffen um 11 Uhr', 'Löschen');
      await a.getByRole('alertdialog').getByRole('button', { name: 'Löschen' }).click();
      await message(b, 'Diese Nachricht wurde gelöscht.').waitFor({ timeout: WAIT_MS });
      expect(await message(b, 'Treffen um 11 Uhr').count()).toBe(0);

      // Announcement channel with acknowledgement
      await a.getByRole('button', { name: 'Neue Unterhaltung' }).click();
      await a.getByRole('dialog').getByText('Ankündigungskanal', { exact: true }).click();
      await a.getByLabel('Name', { exact: true }).fill('Rundschreiben');
      await a.getByLabel('Kolleginnen und Kollegen suchen').fill('Bernd');
      await a.getByRole('dialog').getByText('Bernd Berger', { exact: true }).click();
      await a.getByRole('button', { name: 'Erstellen' }).click();
      await a.getByRole('heading', { name: 'Rundschreiben' }).waitFor({ timeout: WAIT_MS });
      await sendText(a, 'Bitte die neue Dienstanweisung lesen.');
      await message(a, 'Bitte die neue Dienstanweisung lesen.').waitFor({ timeout: WAIT_MS });

      await b.getByRole('option', { name: /Rundschreiben/ }).click({ timeout: WAIT_MS });
      await message(b, 'Bitte die neue Dienstanweisung lesen.').waitFor({ timeout: WAIT_MS });
      expect(await b.getByRole('textbox', { name: 'Nachricht' }).count()).toBe(0);
      await bubble(b, 'Bitte die neue Dienstanweisung lesen.')
        .getByRole('button', { name: 'Zur Kenntnis genommen' })
        .click();
      await bubble(b, 'Bitte die neue Dienstanweisung lesen.')
        .getByText('Von Ihnen bestätigt')
        .waitFor({ timeout: WAIT_MS });
      await bubble(a, 'Bitte die neue Dienstanweisung lesen.')
        .getByText('1 bestätigt, 0 ausstehend')
        .waitFor({ timeout: WAIT_MS });
      await bubble(a, 'Bitte die neue Dienstanweisung lesen.')
        .getByRole('button', { name: 'Wer hat bestätigt?' })
        .click();
      await a.getByTestId('acknowledged').getByText('Bernd Berger').waitFor({ timeout: WAIT_MS });
      await checkScreen(a, 'acknowledgements', 'de');
      await a.locator('.dialog-actions').getByRole('button', { name: 'Schließen' }).click();

      // Lock, a wrong PIN, unlock; then a reload: the vault in IndexedDB holds the history.
      await a.getByRole('button', { name: 'Sperren' }).click();
      await a.getByRole('heading', { name: 'Amtsbote ist gesperrt' }).waitFor({ timeout: WAIT_MS });
      expect(await a.getByText('Guten Morgen, Bernd!').count()).toBe(0);
      await checkScreenInBothLanguages(a, 'unlock');
      await a.getByLabel('PIN oder Passphrase').fill('000000');
      await a.getByRole('button', { name: 'Entsperren' }).click();
      await a
        .getByText('Die PIN ist falsch. Noch 9 Versuche', { exact: false })
        .waitFor({ timeout: WAIT_MS });
      await a.getByLabel('PIN oder Passphrase').fill('482913');
      await a.getByRole('button', { name: 'Entsperren' }).click();
      await a.getByRole('option', { name: /^Bernd Berger/ }).click({ timeout: WAIT_MS });
      await message(a, 'Morgen, Anna.').waitFor({ timeout: WAIT_MS });
      await a.reload();
      await a.getByRole('heading', { name: 'Amtsbote ist gesperrt' }).waitFor({ timeout: WAIT_MS });
      await a.getByLabel('PIN oder Passphrase').fill('482913');
      await a.getByRole('button', { name: 'Entsperren' }).click();
      await a.getByRole('option', { name: /^Bernd Berger/ }).click({ timeout: WAIT_MS });
      await message(a, 'Morgen, Anna.').waitFor({ timeout: WAIT_MS });
      await sendText(a, 'Wieder da.');
      await b.getByRole('option', { name: /^Anna Admin/ }).click();
      await message(b, 'Wieder da.').waitFor({ timeout: WAIT_MS });

      // Bernd adds a second device: signs in, the first device approves its code, and the new
      // device shows the history from before it existed.
      const laptop = await openApp(browser, `${server.baseUrl}/`);
      opened.push(laptop);
      const l = laptop.page;
      await l.getByRole('heading', { name: 'Anmelden' }).waitFor({ timeout: WAIT_MS });
      await checkScreenInBothLanguages(l, 'login');
      await l.getByLabel('Organisation (Kürzel)').fill('stadt-musterstadt');
      await l.getByLabel('Benutzername').fill('bernd');
      await l.getByLabel('Passwort').fill(PASSWORD);
      await l.getByRole('button', { name: 'Anmelden', exact: true }).click();
      await l.getByRole('heading', { name: 'App-PIN festlegen' }).waitFor({ timeout: WAIT_MS });
      await l.getByLabel('PIN oder Passphrase').fill('laptop-pin-1');
      await l.getByLabel('PIN wiederholen').fill('laptop-pin-1');
      await l.getByRole('button', { name: 'PIN festlegen' }).click();
      await l
        .getByRole('heading', { name: 'Dieses Gerät bestätigen' })
        .waitFor({ timeout: WAIT_MS });
      await l.getByTestId('link-code').waitFor({ timeout: WAIT_MS });
      await checkScreenInBothLanguages(l, 'device-link');
      const code = (await l.getByTestId('link-code').textContent()) ?? '';
      expect(code.length).toBeGreaterThan(8);
      await b.getByRole('button', { name: 'Gerät hinzufügen' }).click();
      await b.getByLabel('Code').fill(code);
      await b.getByRole('button', { name: 'Bestätigen' }).click();
      await b.getByText('ist bestätigt', { exact: false }).waitFor({ timeout: WAIT_MS });
      await b.locator('.dialog-actions').getByRole('button', { name: 'Schließen' }).click();
      await l.getByRole('option', { name: /^Anna Admin/ }).click({ timeout: WAIT_MS });
      await message(l, 'Guten Morgen, Bernd!').waitFor({ timeout: WAIT_MS });
      await sendText(l, 'Jetzt auch vom Laptop.');
      await message(a, 'Jetzt auch vom Laptop.').waitFor({ timeout: WAIT_MS });

      // Remote wipe: the first device signs the laptop out; the laptop erases its vault.
      await b.getByRole('button', { name: 'Meine Geräte' }).click();
      await b.getByRole('dialog').getByText('Dieses Gerät').waitFor({ timeout: WAIT_MS });
      await checkScreen(b, 'devices', 'de');
      const laptopEntry = b
        .getByRole('dialog')
        .getByRole('listitem')
        .filter({ hasNotText: 'Dieses Gerät' })
        .first();
      await laptopEntry.getByRole('button', { name: 'Abmelden und Daten löschen' }).click();
      await laptopEntry.getByRole('button', { name: 'Abmelden und Daten löschen' }).click();
      await laptopEntry.getByText('Abgemeldet').waitFor({ timeout: WAIT_MS });
      await l
        .getByText('Dieses Gerät wurde abgemeldet. Alle Daten', { exact: false })
        .waitFor({ timeout: WAIT_MS });
      expect(
        await l.evaluate<string[]>('indexedDB.databases().then((list) => list.map((d) => d.name))'),
      ).toEqual([]);
      await b.locator('.dialog-actions').getByRole('button', { name: 'Schließen' }).click();

      // Settings: automatic lock after one idle minute (the page's clock is fast-forwarded).
      await a.getByRole('button', { name: 'Einstellungen' }).click();
      await a
        .getByRole('dialog')
        .getByText('Benachrichtigungen sagen nur', { exact: false })
        .waitFor();
      await checkScreen(a, 'settings', 'de');
      await a.getByRole('dialog').getByText('1 Minute', { exact: true }).click();
      await a.locator('.dialog-actions').getByRole('button', { name: 'Schließen' }).click();
      await a.clock.install();
      await a.getByRole('textbox', { name: 'Nachricht' }).click();
      await a.clock.fastForward('01:05');
      await a.getByRole('heading', { name: 'Amtsbote ist gesperrt' }).waitFor({ timeout: WAIT_MS });

      for (const app of [anna, bernd, laptop]) {
        expect(app.problems).toEqual([]);
        expect(await app.violations()).toEqual([]);
      }
    },
  );
});
