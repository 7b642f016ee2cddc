/*
 * The web app's screens as the web-budgets scenario walks them in Chromium: Debian's
 * /usr/bin/chromium through playwright-core, with the flags of the browser tests
 * (apps/server/test/support/browser.ts), German UI texts as a person reads them.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { coldStartMarks, installProbes } from './web-probes.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const WAIT_MS = 60_000;

export const UI = {
  lockTitle: 'Amtsbote ist gesperrt',
  listLabel: 'Unterhaltungen',
  logLabel: 'Nachrichten',
};

export async function launchChromium() {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: apt-get install -y chromium`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** One person's browser profile (IndexedDB, vault, HTTP cache, service worker). */
export async function newPersonContext(browser) {
  const context = await browser.newContext({
    locale: 'de-DE',
    viewport: { width: 1440, height: 900 },
  });
  await context.addInitScript(installProbes, { lockTitle: UI.lockTitle, listLabel: UI.listLabel });
  return context;
}

/**
 * A new page that remembers uncaught errors and failed requests (reported as notes). A first
 * device asks whether a recovery blob exists before it makes one: 404 is the answer there.
 */
export async function newPage(context, problems) {
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('crash', () => problems.push(`page crashed: ${page.url()}`));
  page.on('response', (response) => {
    const { pathname } = new URL(response.url());
    if (response.status() >= 400 && pathname !== '/api/me/recovery') {
      problems.push(`http ${response.status()}: ${pathname}`);
    }
  });
  return page;
}

async function choosePin(page, pin) {
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

/** First-administrator setup through the setup link, then the PIN and the recovery key. */
export async function setUpAdministrator(page, setupUrl, { pin, password }) {
  await page.goto(setupUrl);
  await page.getByRole('heading', { name: 'Amtsbote einrichten' }).waitFor({ timeout: WAIT_MS });
  await page.getByLabel('Name der Organisation').fill('Stadt Messdorf');
  await page.getByLabel('Organisation (Kürzel)').fill('stadt-messdorf');
  await page.getByLabel('Anzeigename').fill('Anna Admin');
  await page.getByLabel('Benutzername').fill('anna');
  await page.getByLabel('Passwort', { exact: true }).fill(password);
  await page.getByLabel('Passwort wiederholen').fill(password);
  await page.getByRole('button', { name: 'Einrichten' }).click();
  await choosePin(page, pin);
}

/** An invitation link made in the administrator's invite dialog; returns its token. */
export async function createInviteToken(page) {
  await page.getByRole('button', { name: 'Kollegin oder Kollegen einladen' }).click();
  await page.getByRole('button', { name: 'Einladungslink erstellen' }).click();
  const link = await page.getByTestId('invite-link').inputValue();
  await page.locator('.dialog-actions').getByRole('button', { name: 'Schließen' }).click();
  return new URL(link).hash.slice(1);
}

/** The list entry of a conversation, by its title. */
export const conversationEntry = (page, title) =>
  page.getByRole('listbox', { name: UI.listLabel }).getByRole('option', { name: title });

/** Opens the app in a new page of a signed-in context and submits the PIN on its lock screen. */
export async function openAndSubmitPin(context, problems, { baseUrl, pin }) {
  const page = await newPage(context, problems);
  await page.goto(`${baseUrl}/`);
  await page.getByRole('heading', { name: UI.lockTitle }).waitFor({ timeout: WAIT_MS });
  await page.getByLabel('PIN oder Passphrase').fill(pin);
  await page.getByRole('button', { name: 'Entsperren' }).click();
  return page;
}

/**
 * Waits for the conversation list after the PIN; returns the in-page marks (ms since
 * navigation start): lock screen shown, PIN submitted, conversation list shown.
 */
export async function listShown(page, timeoutMs = WAIT_MS) {
  await page.getByRole('listbox', { name: UI.listLabel }).waitFor({ timeout: timeoutMs });
  const marks = await page.waitForFunction(coldStartMarks, undefined, { timeout: WAIT_MS });
  return marks.jsonValue();
}

/** The cold start: a new page, the lock screen, the PIN, the conversation list. */
export async function coldStart(context, problems, { baseUrl, pin }) {
  const page = await openAndSubmitPin(context, problems, { baseUrl, pin });
  return { page, marks: await listShown(page) };
}
