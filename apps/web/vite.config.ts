import { createHash } from 'node:crypto';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

/*
 * Three entries: the app (index.html, React), the transfer link's download page (transfer.html,
 * which the server sends for /t/<id>), and the service worker (src/sw, built to /sw.js, as its
 * scope must be /). Assets land in dist/assets with hashed names; public/ (manifest, icons) is
 * copied to dist as it is. The packages are bundled from their TypeScript sources
 * ('development' condition), so a build never depends on their dist being current.
 */

/** Writes this build's asset list and id into the service worker, which precaches them. */
function precacheList(): Plugin {
  return {
    name: 'amtsbote-precache-list',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle)
        .filter((file) => file.startsWith('assets/') && !file.endsWith('.map'))
        .sort()
        .map((file) => `/${file}`);
      const buildId = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 16);
      const worker = bundle['sw.js'];
      if (worker?.type !== 'chunk') throw new Error('the service worker chunk sw.js is missing');
      worker.code = worker.code
        .replaceAll(/\bPRECACHE_FILES\b/g, JSON.stringify(files))
        .replaceAll(/\bBUILD_ID\b/g, JSON.stringify(buildId));
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), precacheList()],
  resolve: { conditions: ['development', ...defaultClientConditions] },
  build: {
    rolldownOptions: {
      input: { index: 'index.html', transfer: 'transfer.html', sw: 'src/sw/service-worker.ts' },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
});
