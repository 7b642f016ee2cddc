import type { Browser, BrowserContext, Page } from 'playwright-core';

/*
 * What the web app's browser tests share: a browser context per person that records the page's
 * problems (page errors, console errors, error answers, CSP violations), and the flows every
 * test starts with — the first administrator's setup, the app PIN with the recovery key, an
 * invitation and its acceptance. The texts are the German catalog's.
 */

export const WAIT_MS = 30_000;
export const PASSWORD = 'correct horse battery staple';

export interface OpenedApp {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Everything that went wrong in the page and was not expected. */
  readonly problems: string[];
  /** The CSP violations the page saw. */
  violations(): Promise<string[]>;
}

export interface OpenAppOptions {
  /** More script to run before the page's own (after the CSP watch). */
  readonly initScript?: string;
  readonly acceptDownloads?: boolean;
  /** An error answer the test expects besides the usual ones (see isUsualRefusal). */
  readonly isExpectedAnswer?: (status: number, pathname: string, method: string) => boolean;
}

const WATCH_CSP = `
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__violations.push([event.violatedDirective, event.blockedURI].join(' '));
  });
`;

/**
 * Error answers the app meets in normal use: a first device asks whether a recovery blob exists
 * (404: none yet); two devices committing in the same epoch (409: the loser re-bases).
 */
export function isUsualRefusal(status: number, pathname: string): boolean {
  return (
    (status === 404 && pathname === '/api/me/recovery') ||
    (status === 409 && /^\/api\/conversations\/[^/]+\/commits$/.test(pathname))
  );
}

/** A new browser context (German, 1440×900) with the app opened at `url`. */
export async function openApp(
  browser: Browser,
  url: string,
  options: OpenAppOptions = {},
): Promise<OpenedApp> {
  const context = await browser.newContext({
    locale: 'de-DE',
    viewport: { width: 1440, height: 900 },
    acceptDownloads: options.acceptDownloads ?? false,
  });
  await context.addInitScript(WATCH_CSP + (options.initScript ?? ''));
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('response', (response) => {
    const status = response.status();
    if (status < 400) return;
    const pathname = new URL(response.url()).pathname;
    const method = response.request().method();
    if (isUsualRefusal(status, pathname) || options.isExpectedAnswer?.(status, pathname, method)) {
      return;
    }
    problems.push(`http ${method} ${pathname} ${status}`);
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

/** Fills the first administrator's setup form (from the setup link) and submits it. */
export async function submitSetup(
  page: Page,
  organization: { readonly name: string; readonly slug: string },
): Promise<void> {
  await page.getByRole('heading', { name: 'Amtsbote einrichten' }).waitFor({ timeout: WAIT_MS });
  await page.getByLabel('Name der Organisation').fill(organization.name);
  await page.getByLabel('Organisation (Kürzel)').fill(organization.slug);
  await page.getByLabel('Anzeigename').fill('Anna Admin');
  await page.getByLabel('Benutzername').fill('anna');
  await page.getByLabel('Passwort', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Passwort wiederholen').fill(PASSWORD);
  await page.getByRole('button', { name: 'Einrichten' }).click();
}

/** Chooses the app PIN, confirms the recovery key was kept, and waits for the chat. */
export async function choosePinAndKeepRecoveryKey(page: Page, pin: string): Promise<void> {
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

/** An administrator creates an invitation link in the app; returns its fragment (`#…`). */
export async function createInvitation(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Kollegin oder Kollegen einladen' }).click();
  await page.getByRole('button', { name: 'Einladungslink erstellen' }).click();
  const fragment = new URL(await page.getByTestId('invite-link').inputValue()).hash;
  await page.locator('.dialog-actions').getByRole('button', { name: 'Schließen' }).click();
  return fragment;
}

/** Fills the invitation's new-account form (opened at /invite#…) and submits it. */
export async function acceptInvitation(
  page: Page,
  person: { readonly displayName: string; readonly username: string; readonly department?: string },
): Promise<void> {
  await page.getByLabel('Anzeigename').fill(person.displayName, { timeout: WAIT_MS });
  if (person.department !== undefined) {
    await page.getByLabel('Abteilung (optional)').fill(person.department);
  }
  await page.getByLabel('Benutzername').fill(person.username);
  await page.getByLabel('Passwort', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Passwort wiederholen').fill(PASSWORD);
  await page.getByRole('button', { name: 'Konto anlegen' }).click();
}
