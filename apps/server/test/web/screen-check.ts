import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/*
 * Checks of a main screen of the web app: axe-core finds no serious or critical WCAG 2.1 A/AA
 * violation, and screenshots at a phone (390x844) and a desktop (1440x900) size are kept as test
 * artifacts in test-artifacts/web-app (git-ignored).
 */

const ARTIFACTS = fileURLToPath(new URL('../../../../test-artifacts/web-app/', import.meta.url));
const AXE_SOURCE = readFile(
  fileURLToPath(new URL('../../../../node_modules/axe-core/axe.min.js', import.meta.url)),
  'utf8',
);
const VIEWPORTS = [
  { width: 390, height: 844 },
  { width: 1440, height: 900 },
] as const;

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: string[];
}

/** Serious and critical WCAG 2.1 A/AA violations on the page as it is now. */
async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol: the page's CSP (no inline scripts) does not apply.
  if (!(await page.evaluate<boolean>('typeof window.axe === "object"'))) {
    await page.evaluate(await AXE_SOURCE);
  }
  return page.evaluate<AxeViolation[]>(`(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  })()`);
}

/** Scans the screen and keeps its screenshots at both sizes; the viewport is restored after. */
export async function checkScreen(page: Page, name: string, language: 'de' | 'en'): Promise<void> {
  const original = page.viewportSize();
  await mkdir(ARTIFACTS, { recursive: true });
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    const violations = await axeViolations(page);
    expect(violations, `${name} (${language}, ${viewport.width}x${viewport.height})`).toEqual([]);
    await page.screenshot({
      path: path.join(ARTIFACTS, `${name}-${language}-${viewport.width}x${viewport.height}.png`),
      fullPage: false,
    });
  }
  if (original !== null) await page.setViewportSize(original);
}

/** checkScreen in German, then in English through the screen's language switch, then back. */
export async function checkScreenInBothLanguages(page: Page, name: string): Promise<void> {
  await checkScreen(page, name, 'de');
  await page.getByRole('button', { name: 'Switch to English' }).click();
  await page.getByRole('button', { name: 'Auf Deutsch umschalten' }).waitFor();
  await checkScreen(page, name, 'en');
  await page.getByRole('button', { name: 'Auf Deutsch umschalten' }).click();
  await page.getByRole('button', { name: 'Switch to English' }).waitFor();
}
