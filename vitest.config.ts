import { playwright } from '@vitest/browser-playwright';
import { configDefaults, defineConfig } from 'vitest/config';

const resolve = { conditions: ['development'] };
/** Browser tests run only in the 'browser' project, never in Node. */
const BROWSER_TESTS = 'src/**/*.browser.test.ts';

export default defineConfig({
  test: {
    // CI prints every test name, so its log shows e.g. the storage contract on both backends.
    reporters: process.env['CI'] === 'true' ? ['verbose'] : ['default'],
    projects: [
      {
        resolve,
        ssr: { resolve: { conditions: ['development'] } },
        test: {
          name: 'protocol',
          root: 'packages/protocol',
          include: ['src/**/*.test.ts'],
          exclude: [...configDefaults.exclude, BROWSER_TESTS],
        },
      },
      {
        resolve,
        ssr: { resolve: { conditions: ['development'] } },
        test: {
          name: 'crypto',
          root: 'packages/crypto',
          include: ['src/**/*.test.ts'],
          exclude: [...configDefaults.exclude, BROWSER_TESTS],
        },
      },
      {
        resolve,
        ssr: { resolve: { conditions: ['development'] } },
        test: {
          name: 'client',
          root: 'packages/client',
          include: ['src/**/*.test.ts'],
          exclude: [...configDefaults.exclude, BROWSER_TESTS],
        },
      },
      {
        resolve,
        ssr: { resolve: { conditions: ['development'] } },
        test: {
          // The web app's logic without a page (formatting, rows); its screens run in Chromium
          // in the server project's test/web.
          name: 'web',
          root: 'apps/web',
          include: ['src/**/*.test.ts'],
          exclude: [...configDefaults.exclude, BROWSER_TESTS],
        },
      },
      {
        resolve,
        ssr: { resolve: { conditions: ['development'] } },
        test: {
          name: 'server',
          root: 'apps/server',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The benchmark harness's own guards (loopback only, bounded, cleans up after itself);
        // it runs the built server, which `npm ci` builds.
        test: {
          name: 'bench',
          root: 'bench',
          include: ['**/*.test.js'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The packages' browser code (IndexedDB, WebCrypto in a page) in Debian's Chromium:
        // no browser can be downloaded here, so Playwright launches the system's.
        resolve,
        test: {
          name: 'browser',
          include: [`packages/*/${BROWSER_TESTS}`],
          testTimeout: 60_000,
          browser: {
            enabled: true,
            headless: true,
            // These tests render nothing; a screenshot of a blank page would only litter src/.
            screenshotFailures: false,
            provider: playwright({
              launchOptions: {
                executablePath: '/usr/bin/chromium',
                args: [
                  '--no-sandbox',
                  '--disable-gpu',
                  '--disable-background-networking',
                  '--disable-component-update',
                  '--disable-sync',
                  '--no-first-run',
                ],
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
