import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import type { TestServer } from '../support/test-server.js';
import {
  closeDevices,
  eventually,
  personWithDevice,
  startMessagingServer,
  type Person,
  type TestDevice,
} from '../client/client-fixtures.js';

/* The download page of transfer links (apps/web/transfer.html) in Debian's Chromium against a
   real server: a recipient without an account opens a link, types the password, and saves the
   file, which the page decrypted and authenticated before it saved anything. The page is the
   Vite build in apps/web/dist, made by `npm run build` (which `npm ci` runs). */

const WEB_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url));
const DAY_S = 24 * 3600;
const WAIT_MS = 15_000;

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The blob of a transfer's file in the filesystem store (a transfer lists null once it is gone). */
function blobPath(server: TestServer, fileId: string | null): string {
  if (fileId === null) throw new Error('the transfer has no file');
  return path.join(server.dataDir, 'blobs', 'objects', fileId.slice(0, 2), fileId);
}

/* Before any script of the page: record CSP violations, and take away the File System Access
   API's save dialog (headless Chromium cannot show it), so the page saves through a download. */
const WATCH_PAGE = `
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__violations.push(event.violatedDirective + ' ' + event.blockedURI);
  });
`;
const WITHOUT_SAVE_DIALOG = `delete window.showSaveFilePicker;`;
/* A save dialog whose file records what happened to it: written bytes, close (commit), abort. */
const RECORDING_SAVE_DIALOG = `
  window.__saved = { bytes: 0, isClosed: false, isAborted: false };
  window.showSaveFilePicker = async () => ({
    createWritable: async () =>
      new WritableStream({
        write(chunk) { window.__saved.bytes += chunk.length; },
        close() { window.__saved.isClosed = true; },
        abort() { window.__saved.isAborted = true; },
      }),
  });
`;

interface OpenedPage {
  readonly page: Page;
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
  /** The CSP header of the page's own response. */
  readonly csp: string | null;
  readonly violations: () => Promise<string[]>;
}

describe('the transfer download page', () => {
  let server: TestServer;
  let browser: Browser;
  let anna: TestDevice & { person: Person };
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    if (!existsSync(path.join(WEB_DIST, 'transfer.html'))) {
      throw new Error(
        `${WEB_DIST}transfer.html is missing: build the web app first with \`npm run build\` ` +
          '(npm ci runs it through prepare)',
      );
    }
    server = await startMessagingServer({
      rateLimitPerMinute: 100_000,
      authRateLimitPerMinute: 100_000,
    });
    anna = await personWithDevice(server, 'anna');
    browser = await launchChromium();
  });
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });
  afterAll(async () => {
    await browser?.close();
    if (anna !== undefined) await closeDevices([anna]);
    await server?.close();
  });

  const send = (
    bytes: Uint8Array,
    options: { password?: string; maxDownloads?: number } = {},
    name = 'Bauantrag.pdf',
  ) =>
    anna.client.sendTransfer(
      { name, mediaType: 'application/pdf', sizeBytes: bytes.length, body: bytes },
      { expiresInSeconds: 7 * DAY_S, ...options },
    );

  async function openPage(
    link: string,
    options: { context?: BrowserContextOptions; initScript?: string } = {},
  ): Promise<OpenedPage> {
    const context = await browser.newContext({
      locale: 'de-DE',
      acceptDownloads: true,
      ...options.context,
    });
    contexts.push(context);
    await context.addInitScript({
      content: WATCH_PAGE + (options.initScript ?? WITHOUT_SAVE_DIALOG),
    });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const response = await page.goto(link);
    expect(response?.status()).toBe(200);
    return {
      page,
      consoleErrors,
      pageErrors,
      csp: response?.headers()['content-security-policy'] ?? null,
      violations: () => page.evaluate<string[]>('window.__violations'),
    };
  }

  /** Waits until the alert region says `text`. */
  const alertSays = async (page: Page, text: string | RegExp): Promise<void> => {
    await page.getByRole('alert').filter({ hasText: text }).waitFor();
  };
  const activeElementId = async (page: Page): Promise<unknown> =>
    page.evaluate('document.activeElement && document.activeElement.id');

  it('opens a password-protected link with the keyboard and saves the authenticated file', async () => {
    const password = 'Sonnenblume im Mai';
    const plaintext = randomBytes(1_500_000);
    const created = await send(plaintext, { password }, 'Bauantrag Müller.pdf');
    const { page, violations } = await openPage(created.link);

    await page.getByLabel('Passwort').waitFor();
    expect(await page.getByText('Bauantrag Müller.pdf').count()).toBe(0);
    // Keyboard only: the language switch, then the password field.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await activeElementId(page)).toBe('password');

    await page.keyboard.type('falsches Passwort');
    await page.keyboard.press('Enter');
    await alertSays(page, 'Das Passwort ist falsch. Bitte versuchen Sie es noch einmal.');
    expect(await activeElementId(page)).toBe('password');
    expect(await page.getByLabel('Passwort').getAttribute('aria-invalid')).toBe('true');

    // The wrong text is selected, so typing replaces it.
    await page.keyboard.type(password);
    await page.keyboard.press('Enter');
    await page.getByText('Bauantrag Müller.pdf').waitFor();
    await page.getByText('1,5 MB').waitFor();
    await page.getByText('unbegrenzt').waitFor();
    expect(await page.getByRole('alert').textContent()).toBe('');
    expect(await page.getByLabel('Passwort').isVisible()).toBe(false);

    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Herunterladen' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('Bauantrag Müller.pdf');
    const saved = await readFile(await download.path());
    expect(sha256(saved)).toBe(sha256(plaintext));
    await page.getByRole('status').filter({ hasText: 'vollständig und unverändert' }).waitFor();
    await page.getByText('100 % – 1,5 MB von 1,5 MB').waitFor();
    expect(await violations()).toEqual([]);

    const listed = await eventually(
      async () => (await anna.client.listTransfers()).find((t) => t.id === created.transfer.id),
      (transfer) => transfer?.downloadCount === 1,
      'the download in the sender’s list',
    );
    expect(listed?.downloads).toHaveLength(1);
  });

  it('says that a revoked link was withdrawn, and offers no download', async () => {
    const created = await send(randomBytes(1000));
    await anna.client.revokeTransfer(created.transfer.id);
    const { page } = await openPage(created.link);
    await alertSays(page, 'Der Absender hat diesen Link zurückgezogen.');
    expect(await page.getByRole('button', { name: 'Herunterladen' }).count()).toBe(0);
    expect(await page.getByLabel('Passwort').isVisible()).toBe(false);
  });

  it('says that a link is damaged when its fragment is cut or changed', async () => {
    const created = await send(randomBytes(1000));
    const [base, fragment = ''] = created.link.split('#');
    const damaged = `${base}#${fragment.startsWith('A') ? 'B' : 'A'}${fragment.slice(1)}`;
    for (const link of [created.link.slice(0, -5), `${base}#`, damaged]) {
      const { page } = await openPage(link);
      await alertSays(page, 'Der Link ist unvollständig oder beschädigt.');
      expect(await page.getByRole('button', { name: 'Herunterladen' }).count()).toBe(0);
    }
  });

  it('speaks English to a browser that prefers it, and switches back to German', async () => {
    const created = await send(randomBytes(1_500_000), { maxDownloads: 3 });
    const { page } = await openPage(created.link, { context: { locale: 'en-US' } });
    await page.getByRole('button', { name: 'Download', exact: true }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.title()).toBe('Download a file – Amtsbote');
    await page.getByText('1.5 MB').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Download a file');
    expect(await page.locator('#downloads').textContent()).toBe('3');

    const toGerman = page.getByRole('button', { name: 'Deutsch' });
    expect(await toGerman.getAttribute('lang')).toBe('de');
    await toGerman.click();
    await page.getByRole('button', { name: 'Herunterladen' }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    await page.getByText('1,5 MB').waitFor();
    // The switch keeps the focus, and now leads to English.
    expect(await activeElementId(page)).toBe('language');
    expect(await page.locator('#language').textContent()).toBe('English');
  });

  it('runs under the strict CSP without errors or violations', async () => {
    const plaintext = randomBytes(300_000);
    const created = await send(plaintext);
    const { page, csp, consoleErrors, pageErrors, violations } = await openPage(created.link);
    const strict = (await fetch(`${server.baseUrl}/`)).headers.get('content-security-policy');
    expect(csp).toBe(strict);
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'"]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toContain('unsafe');

    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Herunterladen' }).click();
    expect(sha256(await readFile(await (await downloading).path()))).toBe(sha256(plaintext));
    await page.getByRole('status').filter({ hasText: 'gespeichert' }).waitFor();
    expect(consoleErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(await violations()).toEqual([]);
  });

  it('names every control, announces problems, and fits 320 px without motion', async () => {
    const created = await send(
      randomBytes(1000),
      { password: 'geheim und lang' },
      `Stellungnahme-zum-Bebauungsplan-Nr-${'0123456789'.repeat(8)}.pdf`,
    );
    const { page } = await openPage(created.link, {
      context: { viewport: { width: 320, height: 640 }, reducedMotion: 'reduce' },
    });
    await page.getByLabel('Passwort').waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    expect(await page.locator('h1').count()).toBe(1);
    expect(await page.locator('[role="alert"]').count()).toBe(1);
    await expectNamedControls(page);
    expect(
      await page.evaluate('getComputedStyle(document.querySelector("#open")).transitionDuration'),
    ).toBe('1e-05s');

    await page.getByRole('button', { name: 'Öffnen' }).click();
    await alertSays(page, 'Bitte geben Sie das Passwort ein.');
    expect(await activeElementId(page)).toBe('password');
    await page.getByLabel('Passwort').fill('geheim und lang');
    await page.getByRole('button', { name: 'Öffnen' }).click();
    await page.getByRole('button', { name: 'Herunterladen' }).waitFor();
    expect(await activeElementId(page)).toBe('file-heading');
    await expectNamedControls(page);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(320);
  });

  it('saves nothing of a file the server changed: the save dialog’s file is aborted', async () => {
    const plaintext = randomBytes(600 * 1024);
    const created = await send(plaintext);
    const file = blobPath(server, created.transfer.fileId);
    const blob = await readFile(file);
    blob[blob.length - 100] = (blob[blob.length - 100] ?? 0) ^ 1;
    await writeFile(file, blob);

    const { page } = await openPage(created.link, { initScript: RECORDING_SAVE_DIALOG });
    await page.getByRole('button', { name: 'Herunterladen' }).click();
    await alertSays(page, 'Die Datei ist beschädigt oder wurde verändert.');
    expect(await page.evaluate('window.__saved')).toMatchObject({
      isClosed: false,
      isAborted: true,
    });
    expect(await page.getByRole('link', { name: 'Datei noch einmal speichern' }).count()).toBe(0);

    // The same dialog commits (closes) an intact file.
    const intact = await send(plaintext);
    const second = await openPage(intact.link, { initScript: RECORDING_SAVE_DIALOG });
    await second.page.getByRole('button', { name: 'Herunterladen' }).click();
    await second.page.getByRole('status').filter({ hasText: 'gespeichert' }).waitFor();
    expect(await second.page.evaluate('window.__saved')).toEqual({
      bytes: plaintext.length,
      isClosed: true,
      isAborted: false,
    });
  });

  it('serves the page at /t/<lowercase UUID> only, and its assets for a year', async () => {
    const id = crypto.randomUUID();
    const page = await fetch(`${server.baseUrl}/t/${id}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    expect(html).toContain('<meta name="referrer" content="no-referrer"');
    for (const bad of [id.toUpperCase(), 'not-a-uuid', `${id}x`, `${id}/more`, '']) {
      expect((await fetch(`${server.baseUrl}/t/${bad}`)).status, bad).toBe(404);
    }
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      const response = await fetch(`${server.baseUrl}${asset}`);
      expect(response.status, asset).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
    // Scripts go out compressed by the build where the browser accepts it, the same bytes.
    const script = assets.find((asset) => asset?.endsWith('.js'));
    const plain = await fetch(`${server.baseUrl}${script}`, {
      headers: { 'accept-encoding': 'identity' },
    });
    expect(plain.headers.get('content-encoding')).toBeNull();
    const plainBody = await plain.text();
    for (const encoding of ['br', 'gzip']) {
      const compressed = await fetch(`${server.baseUrl}${script}`, {
        headers: { 'accept-encoding': encoding },
      });
      expect(compressed.headers.get('content-encoding'), encoding).toBe(encoding);
      expect(compressed.headers.get('vary')).toMatch(/accept-encoding/i);
      expect(await compressed.text()).toBe(plainBody);
    }
    expect((await fetch(`${server.baseUrl}/assets/no-such-file.js`)).status).toBe(404);
    expect((await fetch(`${server.baseUrl}/assets/../index.html`)).status).not.toBe(200);
    expect((await fetch(`${server.baseUrl}/`)).status).toBe(200);
  });
});

/** Every focusable control and input in the accessibility tree has a name. */
async function expectNamedControls(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  await cdp.detach();
  const controls = nodes.filter(
    (node) =>
      !node.ignored &&
      ['button', 'textbox', 'link', 'checkbox', 'combobox', 'progressbar'].includes(
        String(node.role?.value),
      ),
  );
  expect(controls.length).toBeGreaterThan(0);
  for (const node of controls) {
    expect(String(node.name?.value ?? '').trim(), JSON.stringify(node.role)).not.toBe('');
  }
}
