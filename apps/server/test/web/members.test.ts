import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCommandSchema, runAdminCommand } from '../../src/admin/admin-commands.js';
import { launchChromium } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  PASSWORD,
  WAIT_MS,
  choosePinAndKeepRecoveryKey,
  openApp,
  submitSetup,
  type OpenedApp,
} from './app-flows.js';
import { checkScreen } from './screen-check.js';

/* A conversation's details in the web app against a real server: the owner adds, renames and
   removes; colleagues compare safety codes and one of them leaves. Anna sets up the
   organization in the app; her colleagues are created by the operator command (the invite flow
   is web-app.test.ts's subject) and sign in in their own browser contexts. */

const ORGANIZATION = 'stadt-musterstadt';
const SAFETY_CODE = 'Sicherheitscode, 12 Gruppen zu je 5 Ziffern';

/** A user who is no member (any more) gets 404 for the conversation's roster. */
const openMemberApp = (browser: Browser, url: string): Promise<OpenedApp> =>
  openApp(browser, url, {
    isExpectedAnswer: (status, pathname) =>
      status === 404 && /^\/api\/conversations\/[^/]+$/.test(pathname),
  });

async function createColleague(server: TestServer, username: string, displayName: string) {
  await runAdminCommand(
    server.handle.identity,
    adminCommandSchema.parse({
      command: 'create-user',
      org: ORGANIZATION,
      username,
      displayName,
      role: 'member',
      password: PASSWORD,
    }),
  );
}

async function signIn(browser: Browser, server: TestServer, username: string) {
  const app = await openMemberApp(browser, `${server.baseUrl}/login`);
  const page = app.page;
  await page.getByRole('heading', { name: 'Anmelden' }).waitFor({ timeout: WAIT_MS });
  await page.getByLabel('Organisation (Kürzel)').fill(ORGANIZATION);
  await page.getByLabel('Benutzername').fill(username);
  await page.getByLabel('Passwort', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
  await choosePinAndKeepRecoveryKey(page, `${username}-pin-2026`);
  return app;
}

const details = (page: Page) => page.getByRole('dialog', { name: 'Details der Unterhaltung' });

const memberRow = (page: Page, name: string) =>
  details(page)
    .getByRole('listitem')
    .filter({ has: page.locator('.member-name', { hasText: name }) });

async function openDetails(page: Page, conversation: RegExp): Promise<void> {
  await page.getByRole('option', { name: conversation }).click({ timeout: WAIT_MS });
  await page.getByRole('button', { name: 'Details' }).click();
  await details(page).waitFor({ timeout: WAIT_MS });
}

async function closeDetails(page: Page): Promise<void> {
  await details(page).getByRole('button', { name: 'Schließen' }).click();
  await details(page).waitFor({ state: 'detached' });
}

/** Opens the safety code with a colleague from the details and reads its 12 groups. */
async function safetyCodeWith(page: Page, name: string): Promise<string[]> {
  await page.getByRole('button', { name: `Sicherheitscode vergleichen ${name}` }).click();
  const dialog = page.getByRole('dialog', { name: `Sicherheitscode mit ${name}` });
  const groups = dialog.getByRole('list', { name: SAFETY_CODE }).getByRole('listitem');
  await groups.first().waitFor({ timeout: WAIT_MS });
  return groups.locator('.safety-code-digits').allTextContents();
}

describe('conversation details in the web app', () => {
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
    'adds, renames, removes, compares safety codes on both sides and leaves',
    { timeout: 240_000 },
    async () => {
      const anna = await openMemberApp(
        browser,
        `${server.baseUrl}/setup#${server.setupToken ?? ''}`,
      );
      opened.push(anna);
      const a = anna.page;
      await submitSetup(a, { name: 'Stadt Musterstadt', slug: ORGANIZATION });
      await choosePinAndKeepRecoveryKey(a, '482913');

      await createColleague(server, 'bernd', 'Bernd Berger');
      await createColleague(server, 'clara', 'Clara Conrad');
      const bernd = await signIn(browser, server, 'bernd');
      opened.push(bernd);
      const clara = await signIn(browser, server, 'clara');
      opened.push(clara);
      const [b, c] = [bernd.page, clara.page];

      // Anna starts a group with Bernd.
      await a.getByRole('button', { name: 'Neue Unterhaltung' }).click();
      await a.getByRole('dialog').getByText('Gruppe', { exact: true }).click();
      await a.getByLabel('Name', { exact: true }).fill('Projekt Rathaus');
      await a.getByLabel('Kolleginnen und Kollegen suchen').fill('Bernd');
      await a.getByRole('dialog').getByText('Bernd Berger', { exact: true }).click();
      await a.getByRole('button', { name: 'Erstellen' }).click();
      await a.getByRole('heading', { name: 'Projekt Rathaus' }).waitFor({ timeout: WAIT_MS });
      await b.getByRole('option', { name: /Projekt Rathaus/ }).waitFor({ timeout: WAIT_MS });

      // The owner's details: both members with their roles; Clara is added from the directory.
      await a.getByRole('button', { name: 'Details' }).click();
      await memberRow(a, 'Bernd Berger').getByText('Mitglied').waitFor({ timeout: WAIT_MS });
      await memberRow(a, 'Anna Admin').getByText('Verwaltet die Unterhaltung').waitFor();
      await details(a).getByLabel('Kolleginnen und Kollegen suchen').fill('Clara');
      await details(a).getByText('Clara Conrad', { exact: true }).click();
      await checkScreen(a, 'members-details', 'de');
      await details(a).getByRole('button', { name: 'Ausgewählte hinzufügen' }).click();
      await details(a).getByText('1 Person wurde hinzugefügt.').waitFor({ timeout: WAIT_MS });
      await memberRow(a, 'Clara Conrad').waitFor({ timeout: WAIT_MS });
      await c.getByRole('option', { name: /Projekt Rathaus/ }).waitFor({ timeout: WAIT_MS });

      // Rename: the name and topic reach the members.
      await details(a)
        .getByRole('textbox', { name: 'Name', exact: true })
        .fill('Projekt Rathaus 2026');
      await details(a).getByRole('textbox', { name: 'Thema' }).fill('Umbau des Bürgerbüros');
      await details(a).getByRole('button', { name: 'Speichern' }).click();
      await details(a).getByText('Name und Thema sind gespeichert.').waitFor({ timeout: WAIT_MS });
      await b.getByRole('option', { name: /Projekt Rathaus 2026/ }).waitFor({ timeout: WAIT_MS });

      // Safety codes: both sides show the same digits; Bernd marks Anna verified.
      const seenByAnna = await safetyCodeWith(a, 'Bernd Berger');
      expect(seenByAnna).toHaveLength(12);
      for (const group of seenByAnna) expect(group).toMatch(/^\d{5}$/);
      await checkScreen(a, 'members-safety-code', 'de');
      await a
        .getByRole('dialog', { name: 'Sicherheitscode mit Bernd Berger' })
        .getByRole('button', { name: 'Schließen' })
        .click();

      await openDetails(b, /Projekt Rathaus 2026/);
      await memberRow(b, 'Anna Admin').waitFor({ timeout: WAIT_MS });
      // A member changes no members: neither removal nor adding is offered.
      expect(
        await details(b)
          .getByRole('button', { name: /^Entfernen/ })
          .count(),
      ).toBe(0);
      expect(await details(b).getByRole('heading', { name: 'Mitglieder hinzufügen' }).count()).toBe(
        0,
      );
      expect(await safetyCodeWith(b, 'Anna Admin')).toEqual(seenByAnna);
      const safety = b.getByRole('dialog', { name: 'Sicherheitscode mit Anna Admin' });
      await safety
        .getByRole('button', { name: 'Stimmt überein: als verifiziert markieren' })
        .click();
      await safety.getByText('Anna Admin ist jetzt verifiziert.').waitFor({ timeout: WAIT_MS });
      await safety.getByRole('button', { name: 'Schließen' }).click();
      await memberRow(b, 'Anna Admin').getByText('Verifiziert').waitFor({ timeout: WAIT_MS });
      expect(await memberRow(b, 'Clara Conrad').getByText('Verifiziert').count()).toBe(0);
      await closeDetails(b);

      // Removal, confirmed first: Clara sees that she is out.
      await memberRow(a, 'Clara Conrad')
        .getByRole('button', { name: 'Entfernen Clara Conrad' })
        .click();
      await memberRow(a, 'Clara Conrad')
        .getByText('Clara Conrad aus der Unterhaltung entfernen?', { exact: false })
        .waitFor();
      await checkScreen(a, 'members-remove-confirm', 'de');
      await memberRow(a, 'Clara Conrad').getByRole('button', { name: 'Ja, entfernen' }).click();
      await details(a).getByText('Clara Conrad wurde entfernt.').waitFor({ timeout: WAIT_MS });
      await memberRow(a, 'Clara Conrad').waitFor({ state: 'detached', timeout: WAIT_MS });
      await c.getByRole('option', { name: /Projekt Rathaus/ }).click({ timeout: WAIT_MS });
      await c
        .getByText('Sie sind nicht mehr Mitglied dieser Unterhaltung.', { exact: false })
        .first()
        .waitFor({ timeout: WAIT_MS });
      await closeDetails(a);

      // Anna leaves, after confirming: as the last owner she names Bernd, who then manages it.
      await a.getByRole('button', { name: 'Details' }).click();
      await details(a).getByRole('button', { name: 'Unterhaltung verlassen' }).click();
      await details(a).getByText('Möchten Sie diese Unterhaltung verlassen?').waitFor();
      await details(a).getByRole('button', { name: 'Ja, verlassen' }).click();
      await details(a)
        .getByText('Wählen Sie, wer die Unterhaltung künftig verwaltet.')
        .waitFor({ timeout: WAIT_MS });
      await checkScreen(a, 'members-leave-confirm', 'de');
      await details(a)
        .getByRole('radiogroup', { name: 'Wer verwaltet die Unterhaltung nach Ihnen?' })
        .getByText('Bernd Berger', { exact: true })
        .click();
      await details(a).getByRole('button', { name: 'Ja, verlassen' }).click();
      await details(a).waitFor({ state: 'detached', timeout: WAIT_MS });
      await a
        .getByText('Sie sind nicht mehr Mitglied dieser Unterhaltung.', { exact: false })
        .waitFor({ timeout: WAIT_MS });
      await b.getByText('Anna Admin hat die Unterhaltung verlassen').waitFor({ timeout: WAIT_MS });

      await b.getByRole('button', { name: 'Details' }).click();
      await memberRow(b, 'Bernd Berger')
        .getByText('Verwaltet die Unterhaltung')
        .waitFor({ timeout: WAIT_MS });
      await details(b).getByRole('heading', { name: 'Mitglieder hinzufügen' }).waitFor();
      await details(b).getByRole('button', { name: 'Unterhaltung verlassen' }).click();
      await details(b).getByRole('button', { name: 'Ja, verlassen' }).click();
      await details(b).waitFor({ state: 'detached', timeout: WAIT_MS });
      await b
        .getByText('Sie sind nicht mehr Mitglied dieser Unterhaltung.', { exact: false })
        .waitFor({ timeout: WAIT_MS });

      for (const app of [anna, bernd, clara]) expect(app.problems).toEqual([]);
    },
  );
});
