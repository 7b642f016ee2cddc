import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { DEVICE, startTestServer, type TestServer } from '../support/test-server.js';
import { PASSWORD, WAIT_MS, choosePinAndKeepRecoveryKey, submitSetup } from './app-flows.js';
import { checkScreen } from './screen-check.js';

/* The organization's device policy in the web app: the longest idle time before the lock caps
   the user's choice, and the vault is wiped after the organization's number of wrong PINs
   (read while unlocked, in force from the next start of the app). */

const PIN = '482913';

describe('the organization device policy in the web app', () => {
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

  it(
    'caps the lock time and wipes after the chosen number of wrong PINs',
    { timeout: 180_000 },
    async () => {
      const context = await browser.newContext({ locale: 'de-DE' });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${server.baseUrl}/setup#${server.setupToken ?? ''}`);
      await submitSetup(page, { name: 'Stadt Musterstadt', slug: 'stadt-musterstadt' });
      await choosePinAndKeepRecoveryKey(page, PIN);
      await page.getByRole('button', { name: 'Neue Unterhaltung' }).waitFor({ timeout: WAIT_MS });

      // The administrator changes the policy (from another session of hers).
      const grant = await server.api().login({
        organization: 'stadt-musterstadt',
        username: 'anna',
        password: PASSWORD,
        device: DEVICE,
      });
      if (grant.status !== 'authenticated') throw new Error('the administrator could not sign in');
      const changed = await fetch(`${server.baseUrl}/api/admin/policy`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${grant.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ vaultWipeAfterFailures: 3, maxLockAfterMinutes: 5 }),
      });
      expect(changed.status).toBe(200);

      // The app reads it on its next start and offers no lock time above the limit.
      await page.reload();
      await page.getByLabel('PIN oder Passphrase').fill(PIN, { timeout: WAIT_MS });
      await page.getByRole('button', { name: 'Entsperren' }).click();
      await page.getByRole('button', { name: 'Einstellungen' }).click({ timeout: WAIT_MS });
      const dialog = page.getByRole('dialog');
      await dialog
        .getByText('Ihre Organisation erlaubt höchstens 5 Minuten bis zur automatischen Sperre.')
        .waitFor({ timeout: WAIT_MS });
      const radios = await dialog
        .getByRole('radiogroup', { name: 'Automatisch sperren nach' })
        .getByRole('radio')
        .all();
      const choices = await Promise.all(radios.map((radio) => radio.inputValue()));
      expect(choices.map(Number).every((minutes) => minutes <= 5)).toBe(true);
      expect(choices).toContain('5');
      await checkScreen(page, 'settings-lock-limited', 'de');
      await page.keyboard.press('Escape');

      // From this start on, the third wrong PIN erases the vault.
      await page.reload();
      const pinField = page.getByLabel('PIN oder Passphrase');
      for (const attempt of [1, 2]) {
        await pinField.fill(`wrong-${String(attempt)}`, { timeout: WAIT_MS });
        await page.getByRole('button', { name: 'Entsperren' }).click();
        await page
          .getByRole('alert')
          .filter({ hasText: `Noch ${String(3 - attempt)} Versuch` })
          .waitFor({ timeout: WAIT_MS });
      }
      await pinField.fill('wrong-3');
      await page.getByRole('button', { name: 'Entsperren' }).click();
      // The sign-in screen says why the data is gone.
      await page
        .getByRole('alert')
        .filter({ hasText: 'Zu viele falsche Versuche: Die Daten von Amtsbote auf diesem Gerät' })
        .waitFor({ timeout: WAIT_MS });
      await page.getByRole('button', { name: 'Anmelden', exact: true }).waitFor();
      const databases = await page.evaluate(
        'indexedDB.databases().then((list) => list.map((d) => d.name))',
      );
      expect(databases).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    },
  );
});
