import { defineConfig } from 'vitest/config';

const resolve = { conditions: ['development'] };

export default defineConfig({
  test: {
    // CI prints every test name, so its log shows e.g. the storage contract on both backends.
    reporters: process.env['CI'] === 'true' ? ['verbose'] : ['default'],
    projects: [
      {
        resolve,
        ssr: { resolve: { conditions: ['development'] } },
        test: { name: 'protocol', root: 'packages/protocol', include: ['src/**/*.test.ts'] },
      },
      {
        resolve,
        ssr: { resolve: { conditions: ['development'] } },
        test: { name: 'crypto', root: 'packages/crypto', include: ['src/**/*.test.ts'] },
      },
      {
        resolve,
        ssr: { resolve: { conditions: ['development'] } },
        test: { name: 'client', root: 'packages/client', include: ['src/**/*.test.ts'] },
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
    ],
  },
});
