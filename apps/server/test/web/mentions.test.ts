import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  WAIT_MS,
  acceptInvitation,
  choosePinAndKeepRecoveryKey,
  createInvitation,
  openApp,
  submitSetup,
  type OpenedApp,
} from './app-flows.js';
import { checkScreen } from './screen-check.js';

/* Mentions and the urgent flag in the web app: Anna mentions Bernd in a group by choosing him
   from the "@" suggestions with the keyboard and sends the text marked urgent; Bernd sees the
   mention as his, the urgent mark and hears the urgent arrival. */

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
      await submitSetup(a, { name: 'Stadt Musterstadt', slug: 'stadt-musterstadt' });
      await choosePinAndKeepRecoveryKey(a, '482913');
      const inviteToken = await createInvitation(a);

      const bernd = await openApp(browser, `${server.baseUrl}/invite${inviteToken}`);
      opened.push(bernd);
      const b = bernd.page;
      await acceptInvitation(b, {
        displayName: 'Bernd Berger',
        username: 'bernd',
        department: 'Bauamt',
      });
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
