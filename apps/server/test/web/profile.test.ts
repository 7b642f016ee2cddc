import { createServer } from 'node:net';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type CDPSession,
  type Page,
} from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/browser.js';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import { checkScreen } from './screen-check.js';

/* "Profile and security" in Debian's Chromium against a real server, with Chromium's virtual
   WebAuthn authenticator (CTAP2, user verification, PRF): a passkey is registered and unlocks
   the vault, signs in alone and as the second factor of a password; sessions are listed across
   two browser contexts and ended, the other one and then this one. WebAuthn wants a domain as
   relying party, so the server's public URL is http://localhost:<port>. */

const WAIT_MS = 30_000;
const PASSWORD = 'correct horse battery staple';
const ORGANIZATION = 'stadt-musterstadt';

interface OpenedApp {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly problems: string[];
  /** The bodies this page sent to POST /api/me/passkeys and /api/auth/passkey/login. */
  readonly passkeyBodies: string[];
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function openApp(
  browser: Browser,
  url: string,
  expectedStatus: (status: number, pathname: string) => boolean = () => false,
): Promise<OpenedApp> {
  const context = await browser.newContext({
    locale: 'de-DE',
    viewport: { width: 1440, height: 900 },
  });
  const page = await context.newPage();
  const problems: string[] = [];
  const passkeyBodies: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('request', (request) => {
    const pathname = new URL(request.url()).pathname;
    const isPasskeyBody =
      request.method() === 'POST' &&
      (pathname === '/api/me/passkeys' || pathname === '/api/auth/passkey/login');
    if (isPasskeyBody) {
      passkeyBodies.push(request.postData() ?? '');
    }
  });
  page.on('response', (response) => {
    const pathname = new URL(response.url()).pathname;
    // A first device asks whether a recovery blob exists before it makes one: 404 is the answer.
    const isExpected =
      (response.status() === 404 && pathname === '/api/me/recovery') ||
      expectedStatus(response.status(), pathname);
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
  return { context, page, problems, passkeyBodies };
}

/** Chromium's virtual authenticator for this page: a platform passkey store with PRF. */
async function addAuthenticator(app: OpenedApp): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await app.context.newCDPSession(app.page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      hasPrf: true,
    },
  });
  return { cdp, id: authenticatorId };
}

async function signInWithPassword(page: Page, isOrganizationFilled = false): Promise<void> {
  await page.getByRole('heading', { name: 'Anmelden' }).waitFor({ timeout: WAIT_MS });
  if (!isOrganizationFilled) await page.getByLabel('Organisation (Kürzel)').fill(ORGANIZATION);
  await page.getByLabel('Benutzername').fill('admin');
  await page.getByLabel('Passwort').fill(PASSWORD);
  await page.getByRole('button', { name: 'Anmelden', exact: true }).click();
}

async function choosePin(page: Page, pin: string): Promise<void> {
  await page.getByRole('heading', { name: 'App-PIN festlegen' }).waitFor({ timeout: WAIT_MS });
  await page.getByLabel('PIN oder Passphrase').fill(pin);
  await page.getByLabel('PIN wiederholen').fill(pin);
  await page.getByRole('button', { name: 'PIN festlegen' }).click();
}

/** A further device of the user, set up with the recovery key. */
async function setUpWithRecoveryKey(page: Page, recoveryKey: string): Promise<void> {
  await page
    .getByRole('heading', { name: 'Dieses Gerät bestätigen' })
    .waitFor({ timeout: WAIT_MS });
  await page
    .getByRole('button', { name: /Mit dem Wiederherstellungsschlüssel einrichten/ })
    .click();
  await page.getByRole('textbox', { name: 'Wiederherstellungsschlüssel' }).fill(recoveryKey);
  await page.getByRole('button', { name: 'Mit Schlüssel einrichten' }).click();
  await page.getByRole('button', { name: 'Neue Unterhaltung' }).waitFor({ timeout: WAIT_MS });
}

async function openProfile(page: Page) {
  await page.getByRole('button', { name: 'Profil und Sicherheit' }).click();
  const dialog = page.getByRole('dialog', { name: 'Profil und Sicherheit' });
  await dialog.getByTestId('session').first().waitFor({ timeout: WAIT_MS });
  return dialog;
}

describe('profile and security in the web app', () => {
  let browser: Browser;
  let server: TestServer;
  let baseUrl: string;
  const opened: OpenedApp[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP localhost 127.0.0.1'],
    });
    const port = await freePort();
    baseUrl = `http://localhost:${port}`;
    server = await startTestServer({
      env: { AMTSBOTE_PORT: String(port), AMTSBOTE_PUBLIC_URL: baseUrl },
    });
    const grant = await setupFirstOrganization(server);
    // Setup signs in over the API; only the browsers' sessions are to be listed.
    await server.api(grant.token).request('POST', '/api/auth/logout', undefined, z.unknown());
  });
  afterAll(async () => {
    for (const app of opened) await app.context.close();
    await browser.close();
    await server.close();
  });

  it(
    'registers a passkey that signs in and unlocks, and ends sessions here and elsewhere',
    { timeout: 240_000 },
    async () => {
      const anna = await openApp(browser, `${baseUrl}/`);
      opened.push(anna);
      const a = anna.page;
      const authenticator = await addAuthenticator(anna);
      await signInWithPassword(a);
      await choosePin(a, '482913');
      await a
        .getByRole('heading', { name: 'Ihr Wiederherstellungsschlüssel' })
        .waitFor({ timeout: WAIT_MS });
      const recoveryKey = (await a.getByTestId('recovery-key').textContent()) ?? '';
      await a.getByText('Ich habe den Schlüssel sicher aufbewahrt').click();
      await a.getByRole('button', { name: 'Weiter' }).click();
      await a.getByRole('button', { name: 'Neue Unterhaltung' }).waitFor({ timeout: WAIT_MS });

      // The dialog: the account, this one session, no passkey yet.
      let dialog = await openProfile(a);
      await dialog.getByText('Anna Admin', { exact: true }).waitFor();
      await dialog.getByText('Stadt Musterstadt (stadt-musterstadt)').waitFor();
      expect(await dialog.getByTestId('session').count()).toBe(1);
      await dialog.getByTestId('session').getByText('Diese Sitzung').waitFor();
      await dialog.getByText('Sie haben noch keinen Passkey.').waitFor();
      await checkScreen(a, 'profile-dialog', 'de');

      // A passkey that also unlocks the vault; its PRF output never reaches the server.
      await dialog.getByLabel('Name des Passkeys').fill('Testschlüssel');
      expect(
        await dialog
          .getByRole('checkbox', { name: 'Diesen Passkey zum Entsperren verwenden' })
          .isChecked(),
      ).toBe(true);
      await dialog.getByRole('button', { name: 'Passkey hinzufügen' }).click();
      await dialog
        .getByText(
          'Der Passkey „Testschlüssel“ wurde hinzugefügt und entsperrt Amtsbote auf diesem Gerät.',
        )
        .waitFor({ timeout: WAIT_MS });
      const passkey = dialog.getByTestId('passkey');
      await passkey.getByText('Entsperrt Amtsbote auf diesem Gerät').waitFor({ timeout: WAIT_MS });
      expect(await passkey.count()).toBe(1);
      await dialog
        .getByText('Amtsbote lässt sich auf diesem Gerät mit einem Passkey entsperren.')
        .waitFor();
      expect(anna.passkeyBodies).toHaveLength(1);
      const registration = JSON.parse(anna.passkeyBodies[0] ?? '') as {
        name: string;
        response: { clientExtensionResults: { prf?: Record<string, unknown> } };
      };
      expect(registration.name).toBe('Testschlüssel');
      expect(registration.response.clientExtensionResults.prf).toEqual({ enabled: true });
      await checkScreen(a, 'profile-dialog-passkey', 'de');
      // The authenticator holds this account's passkey already (excludeCredentials).
      await dialog.getByLabel('Name des Passkeys').fill('Noch einer');
      await dialog.getByRole('button', { name: 'Passkey hinzufügen' }).click();
      await dialog
        .getByRole('alert')
        .getByText('Auf diesem Gerät ist bereits ein Passkey für Ihr Konto gespeichert.')
        .waitFor({ timeout: WAIT_MS });
      expect(await dialog.getByTestId('passkey').count()).toBe(1);
      await a.locator('.dialog-actions').getByRole('button', { name: 'Schließen' }).click();

      // Lock, and unlock with the passkey instead of the PIN.
      await a.getByRole('button', { name: 'Sperren' }).click();
      await a.getByRole('heading', { name: 'Amtsbote ist gesperrt' }).waitFor({ timeout: WAIT_MS });
      await a.getByRole('button', { name: 'Mit Passkey entsperren' }).waitFor({ timeout: WAIT_MS });
      await checkScreen(a, 'unlock-passkey', 'de');
      await a.getByRole('button', { name: 'Mit Passkey entsperren' }).click();
      await a.getByRole('button', { name: 'Neue Unterhaltung' }).waitFor({ timeout: WAIT_MS });

      // Sign out, and in again with the passkey alone; the vault is new, set up by recovery key.
      await a.getByRole('button', { name: 'Abmelden', exact: true }).click();
      await a.getByRole('heading', { name: 'Anmelden' }).waitFor({ timeout: WAIT_MS });
      await checkScreen(a, 'login-passkey', 'de');
      await a.getByRole('button', { name: 'Mit Passkey anmelden' }).click();
      await choosePin(a, '482914');
      await setUpWithRecoveryKey(a, recoveryKey);
      expect(anna.passkeyBodies).toHaveLength(2);
      expect(anna.passkeyBodies[1]).not.toContain('"results"');

      // The account now requires a passkey after the password: a second browser signs in so,
      // with the same passkey copied into its authenticator.
      const login = await server.api().login({
        organization: ORGANIZATION,
        username: 'admin',
        password: PASSWORD,
        device: { name: 'API', platform: 'cli', kind: 'personal' },
      });
      if (login.status !== 'authenticated') throw new Error('the password alone signs in still');
      const api = server.api(login.token);
      await api.request('PUT', '/api/me/security', { requirePasskey: true }, z.unknown());
      await api.request('POST', '/api/auth/logout', undefined, z.unknown());

      const laptop = await openApp(
        browser,
        `${baseUrl}/`,
        // Its session ends while it is connected: its next calls are refused.
        (status) => status === 401,
      );
      opened.push(laptop);
      const l = laptop.page;
      const copy = await addAuthenticator(laptop);
      const { credentials } = await authenticator.cdp.send('WebAuthn.getCredentials', {
        authenticatorId: authenticator.id,
      });
      expect(credentials).toHaveLength(1);
      for (const credential of credentials) {
        await copy.cdp.send('WebAuthn.addCredential', { authenticatorId: copy.id, credential });
      }
      await signInWithPassword(l);
      await l
        .getByText('Für Ihr Konto ist ein Passkey vorgeschrieben.', { exact: false })
        .waitFor({ timeout: WAIT_MS });
      await checkScreen(l, 'login-second-factor', 'de');
      await l.getByRole('button', { name: 'Mit Passkey bestätigen' }).click();
      await choosePin(l, 'laptop-pin-1');
      await setUpWithRecoveryKey(l, recoveryKey);

      // Two sessions; ending the laptop's signs the laptop out and erases its vault.
      dialog = await openProfile(a);
      await expect.poll(() => dialog.getByTestId('session').count(), { timeout: WAIT_MS }).toBe(2);
      const other = dialog.getByTestId('session').filter({ hasNotText: 'Diese Sitzung' });
      await other.getByText('Chrome · Linux (Web-Browser)').waitFor();
      await other.getByRole('button', { name: 'Sitzung beenden' }).click();
      await other.getByRole('button', { name: 'Sitzung beenden' }).click();
      await dialog.getByText('Die Sitzung auf „Chrome · Linux“ wurde beendet.').waitFor({
        timeout: WAIT_MS,
      });
      await expect.poll(() => dialog.getByTestId('session').count(), { timeout: WAIT_MS }).toBe(1);
      await l
        .getByText('Dieses Gerät wurde abgemeldet. Alle Daten', { exact: false })
        .waitFor({ timeout: WAIT_MS });
      expect(
        await l.evaluate<string[]>('indexedDB.databases().then((list) => list.map((d) => d.name))'),
      ).toEqual([]);

      // The devices dialog is one step away.
      await dialog.getByRole('button', { name: 'Meine Geräte verwalten' }).click();
      await a.getByRole('dialog', { name: 'Meine Geräte' }).getByText('Dieses Gerät').waitFor();
      await a.locator('.dialog-actions').getByRole('button', { name: 'Schließen' }).click();

      // This vault is new since the passkey sign-in: an existing passkey can unlock it too.
      dialog = await openProfile(a);
      await dialog
        .getByText('Amtsbote lässt sich auf diesem Gerät nur mit der PIN entsperren.')
        .waitFor();
      await dialog
        .getByRole('button', { name: 'Vorhandenen Passkey zum Entsperren verwenden' })
        .click();
      await dialog
        .getByText('Amtsbote lässt sich jetzt auf diesem Gerät mit dem Passkey entsperren.')
        .waitFor({ timeout: WAIT_MS });
      await dialog
        .getByTestId('passkey')
        .getByText('Zuletzt verwendet', { exact: false })
        .waitFor();
      const listed = dialog.getByTestId('passkey');
      await listed.getByRole('button', { name: 'Passkey entfernen' }).click();
      await listed.getByRole('button', { name: 'Passkey entfernen' }).click();
      await dialog
        .getByText('Der Passkey „Testschlüssel“ wurde entfernt.')
        .waitFor({ timeout: WAIT_MS });
      await dialog.getByText('Sie haben noch keinen Passkey.').waitFor();

      // Ending this session signs this device out as logout does.
      const own = dialog.getByTestId('session').filter({ hasText: 'Diese Sitzung' });
      await own.getByRole('button', { name: 'Sitzung beenden' }).click();
      await own.getByText('Diese Sitzung beenden?', { exact: false }).waitFor();
      await own.getByRole('button', { name: 'Sitzung beenden' }).click();
      await a.getByRole('heading', { name: 'Anmelden' }).waitFor({ timeout: WAIT_MS });
      expect(
        await a.evaluate<string[]>('indexedDB.databases().then((list) => list.map((d) => d.name))'),
      ).toEqual([]);

      for (const app of [anna, laptop]) expect(app.problems).toEqual([]);
    },
  );
});
