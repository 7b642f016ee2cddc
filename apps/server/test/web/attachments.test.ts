import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, Download, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdminCommand, type AdminCommand } from '../../src/admin/admin-commands.js';
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

/* File attachments in the web app, in Debian's Chromium against a real server: Anna sends an
   image and a PDF through the file picker, a refused type, a failed upload she retries and one
   she cancels; Bernd sees the image's thumbnail decrypted, opens the preview and saves both
   files intact, then, once the organization forbids saving, finds no way to save them. Run it
   against a build of the web app (AMTSBOTE_WEB_ROOT). */

const ORG = 'stadt-musterstadt';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/* Headless Chromium cannot show the File System Access API's save dialog: without it, saving
   goes through a download. */
const NO_SAVE_PICKER = 'delete window.showSaveFilePicker;';

/** Requests the test itself makes fail (answered by a route), not counted as problems. */
const staged = new Set<string>();

async function openAttachmentsApp(browser: Browser, url: string): Promise<OpenedApp> {
  const app = await openApp(browser, url, {
    initScript: NO_SAVE_PICKER,
    acceptDownloads: true,
    isExpectedAnswer: (status, pathname, method) => staged.has(`${method} ${pathname} ${status}`),
  });
  app.page.setDefaultTimeout(WAIT_MS);
  return app;
}

interface ChosenFile {
  readonly name: string;
  readonly mimeType: string;
  readonly buffer: Buffer;
}

/** Chooses files through the composer's paper clip and the browser's file chooser. */
async function attach(page: Page, files: readonly ChosenFile[]): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Datei anhängen' }).click();
  await (await chooser).setFiles([...files]);
}

/** The file card of a message in the timeline. */
const card = (page: Page, name: string) =>
  page.getByRole('log', { name: 'Nachrichten' }).getByRole('group', { name: `Datei ${name}` });

const uploadList = (page: Page) => page.getByRole('list', { name: 'Dateien, die gesendet werden' });

async function savedBytes(download: Download): Promise<Buffer> {
  return readFile(await download.path());
}

/**
 * Waits until the image has decoded pixels; returns their width. Polled through evaluate (the
 * DevTools protocol): waitForFunction would evaluate a string in the page, which its CSP forbids.
 */
async function decodedWidth(page: Page, selector: string): Promise<number> {
  const width = `(() => { const img = document.querySelector(${JSON.stringify(selector)});
    return img !== null && img.complete ? img.naturalWidth : 0; })()`;
  await expect.poll(() => page.evaluate<number>(width), { timeout: WAIT_MS }).toBeGreaterThan(0);
  return page.evaluate<number>(width);
}

/** In-page code: whether an (object) URL still loads as an image (img-src allows blob:). */
const loadsAsImage = (url: string): string => `new Promise((resolve) => {
  const image = new Image();
  image.onload = () => resolve('loads');
  image.onerror = () => resolve('revoked');
  image.src = ${JSON.stringify(url)};
})`;

type PolicyChange = Omit<Extract<AdminCommand, { command: 'set-policy' }>, 'command' | 'org'>;

/** What an administrator would set (the admin socket's command, run in this process). */
async function setPolicy(server: TestServer, change: PolicyChange): Promise<void> {
  await runAdminCommand(server.handle.identity, { command: 'set-policy', org: ORG, ...change });
}

describe('file attachments in the web app', () => {
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
    'sends, refuses, retries, cancels, shows, previews and saves files as the policy allows',
    { timeout: 240_000 },
    async () => {
      const anna = await openAttachmentsApp(
        browser,
        `${server.baseUrl}/setup#${server.setupToken ?? ''}`,
      );
      opened.push(anna);
      const a = anna.page;
      await submitSetup(a, { name: 'Stadt Musterstadt', slug: ORG });
      await a.getByRole('heading', { name: 'App-PIN festlegen' }).waitFor();
      // Before any client starts (and reads the policy): .exe files may not be sent.
      await setPolicy(server, { fileTypes: { mode: 'deny', extensions: ['exe'] } });
      await choosePinAndKeepRecoveryKey(a, '482913');
      const inviteToken = await createInvitation(a);

      const bernd = await openAttachmentsApp(browser, `${server.baseUrl}/invite${inviteToken}`);
      opened.push(bernd);
      const b = bernd.page;
      await acceptInvitation(b, {
        displayName: 'Bernd Berger',
        username: 'bernd',
        department: 'Bauamt',
      });
      await choosePinAndKeepRecoveryKey(b, 'bernd-pin-2026');

      await a.getByRole('button', { name: 'Neue Unterhaltung' }).click();
      await a.getByLabel('Kolleginnen und Kollegen suchen').fill('Bauamt');
      await a.getByRole('dialog').getByText('Bernd Berger', { exact: true }).click();
      await a.getByRole('button', { name: 'Erstellen' }).click();
      await a.getByRole('heading', { name: 'Bernd Berger' }).waitFor();

      // An image drawn in the page (1200x900) and a PDF-like file of 1.5 MB.
      const png = Buffer.from(
        await a.evaluate<number[]>(`(async () => {
          const canvas = new OffscreenCanvas(1200, 900);
          const context = canvas.getContext('2d');
          const gradient = context.createLinearGradient(0, 0, 1200, 900);
          gradient.addColorStop(0, '#004b87');
          gradient.addColorStop(1, '#ffcc00');
          context.fillStyle = gradient;
          context.fillRect(0, 0, 1200, 900);
          const blob = await canvas.convertToBlob({ type: 'image/png' });
          return [...new Uint8Array(await blob.arrayBuffer())];
        })()`),
      );
      const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(1_500_000 - 9)]);
      await attach(a, [
        { name: 'Baustelle.png', mimeType: 'image/png', buffer: png },
        { name: 'Bauantrag.pdf', mimeType: 'application/pdf', buffer: pdf },
      ]);
      await card(a, 'Baustelle.png').waitFor();
      await card(a, 'Bauantrag.pdf').getByText('PDF · 1,5 MB').waitFor();
      await a.getByText('Bauantrag.pdf wurde gesendet.').waitFor();
      expect(await uploadList(a).count()).toBe(0);

      // A refused type: a clear message, no retry, and the draft stays as it was.
      const composer = a.getByRole('textbox', { name: 'Nachricht' });
      await composer.fill('Entwurf bleibt');
      await attach(a, [
        { name: 'Makro.exe', mimeType: 'application/x-msdownload', buffer: randomBytes(2000) },
      ]);
      await a
        .getByRole('alert')
        .filter({
          hasText:
            'Makro.exe wurde nicht gesendet: Ihre Organisation erlaubt keine Dateien vom Typ .exe.',
        })
        .waitFor();
      expect(await composer.inputValue()).toBe('Entwurf bleibt');
      await checkScreen(a, 'attachment-refused', 'de');
      expect(await a.getByRole('button', { name: 'Makro.exe erneut senden' }).count()).toBe(0);
      await a.getByRole('button', { name: 'Makro.exe aus der Liste entfernen' }).click();
      expect(await uploadList(a).count()).toBe(0);

      // A failed upload (the server refuses creating it once) is sent again on retry.
      staged.add('POST /api/files/uploads 403');
      await a.route(
        `${server.baseUrl}/api/files/uploads`,
        (route: Route) =>
          route.fulfill({
            status: 403,
            contentType: 'application/json',
            body: JSON.stringify({
              error: { code: 'forbidden', message: 'staged by the test', requestId: 'test' },
            }),
          }),
        { times: 1 },
      );
      const protocol = Buffer.from('Protokoll der Sitzung vom 7. Dezember\n'.repeat(100));
      await attach(a, [{ name: 'Protokoll.txt', mimeType: 'text/plain', buffer: protocol }]);
      await a
        .getByRole('alert')
        .filter({ hasText: 'Protokoll.txt konnte nicht gesendet werden.' })
        .waitFor();
      await a.getByRole('button', { name: 'Protokoll.txt erneut senden' }).click();
      await card(a, 'Protokoll.txt').waitFor();

      // Cancelled while its bytes are on the way: nothing is sent, the upload is ended.
      let releasePatch: () => void = () => undefined;
      const patchHeld = new Promise<void>((resolve) => {
        void a.route(`${server.baseUrl}/api/files/uploads/*`, async (route: Route) => {
          if (route.request().method() !== 'PATCH') return route.fallback();
          resolve();
          await new Promise<void>((release) => {
            releasePatch = release;
          });
          await route.abort().catch(() => undefined);
        });
      });
      const plan = randomBytes(2_000_000);
      await attach(a, [{ name: 'Lageplan.pdf', mimeType: 'application/pdf', buffer: plan }]);
      await patchHeld;
      await uploadList(a).getByRole('progressbar', { name: 'Lageplan.pdf' }).waitFor();
      await a.getByRole('button', { name: 'Senden von Lageplan.pdf abbrechen' }).click();
      await a.getByText('Senden von Lageplan.pdf abgebrochen.').waitFor();
      expect(await uploadList(a).count()).toBe(0);
      releasePatch();
      await a.unroute(`${server.baseUrl}/api/files/uploads/*`);
      await expect
        .poll(
          async () =>
            (await server.handle.storage.db.selectFrom('files').select('status').execute()).map(
              (row) => row.status,
            ),
          { timeout: WAIT_MS },
        )
        // The image, its thumbnail, the PDF and the retried text; nothing of the cancelled one.
        .toEqual(['complete', 'complete', 'complete', 'complete']);

      // Bernd: the thumbnail decrypted in his browser, the image in full, both files saved intact.
      await b.getByRole('option', { name: /^Anna Admin/ }).click();
      const thumbnail = 'img[alt="Vorschaubild von Baustelle.png"]';
      expect(await decodedWidth(b, thumbnail)).toBe(320);
      expect(await b.locator(thumbnail).getAttribute('src')).toMatch(/^blob:/);
      await card(b, 'Baustelle.png')
        .getByText(/^PNG · /)
        .waitFor();
      await card(b, 'Bauantrag.pdf').getByText('PDF · 1,5 MB').waitFor();
      await card(b, 'Protokoll.txt').waitFor();
      expect(await b.getByText('Lageplan.pdf').count()).toBe(0);
      await checkScreen(b, 'conversation-attachments', 'de');

      await b.getByRole('button', { name: 'Baustelle.png ansehen' }).click();
      const preview = b.getByRole('dialog');
      await preview.getByRole('heading', { name: 'Baustelle.png' }).waitFor();
      expect(await decodedWidth(b, '.preview-image')).toBe(1200);
      await checkScreen(b, 'attachment-preview', 'de');
      const imageDownload = b.waitForEvent('download');
      await preview.getByRole('button', { name: 'Herunterladen' }).click();
      const savedImage = await imageDownload;
      expect(savedImage.suggestedFilename()).toBe('Baustelle.png');
      expect(sha256(await savedBytes(savedImage))).toBe(sha256(png));
      await preview.getByText('Baustelle.png wurde gespeichert.').waitFor();
      const previewUrl = (await b.locator('.preview-image').getAttribute('src')) ?? '';
      expect(await b.evaluate(loadsAsImage(previewUrl))).toBe('loads');
      await preview.getByRole('button', { name: 'Schließen' }).click();
      await preview.waitFor({ state: 'detached' });
      // Closed, the dialog's object URL loads nothing any more.
      expect(await b.evaluate(loadsAsImage(previewUrl))).toBe('revoked');

      const pdfDownload = b.waitForEvent('download');
      await b.getByRole('button', { name: 'Bauantrag.pdf herunterladen' }).click();
      const savedPdf = await pdfDownload;
      expect(savedPdf.suggestedFilename()).toBe('Bauantrag.pdf');
      expect(sha256(await savedBytes(savedPdf))).toBe(sha256(pdf));

      // The organization forbids saving files: no button to save, and a note says why.
      await setPolicy(server, { isFileDownloadAllowed: false });
      await b.reload();
      await b.getByLabel('PIN oder Passphrase').fill('bernd-pin-2026');
      await b.getByRole('button', { name: 'Entsperren' }).click();
      await b.getByRole('option', { name: /^Anna Admin/ }).click();
      const forbidden = 'Ihre Organisation erlaubt nicht, Dateien auf Geräten zu speichern.';
      await card(b, 'Bauantrag.pdf').getByText(forbidden).waitFor();
      expect(await b.getByRole('button', { name: 'Bauantrag.pdf herunterladen' }).count()).toBe(0);
      await b.getByRole('button', { name: 'Baustelle.png ansehen' }).click();
      await preview.getByText(forbidden).waitFor();
      expect(await decodedWidth(b, '.preview-image')).toBe(1200);
      expect(await preview.getByRole('button', { name: 'Herunterladen' }).count()).toBe(0);

      for (const app of [anna, bernd]) {
        expect(app.problems).toEqual([]);
        expect(await app.violations()).toEqual([]);
      }
    },
  );
});
