import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import optimizeLocales from '@react-aria/optimize-locales-plugin';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

/*
 * Three entries: the app (index.html, React), the transfer link's download page (transfer.html,
 * which the server sends for /t/<id>), and the service worker (src/sw, built to /sw.js, as its
 * scope must be /). Assets land in dist/assets with hashed names; public/ (manifest, icons) is
 * copied to dist as it is. The packages are bundled from their TypeScript sources
 * ('development' condition), so a build never depends on their dist being current. React Aria's
 * own texts (labels it writes itself) are kept for the app's two languages only.
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

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/**
 * Writes a brotli (.br) and a gzip (.gz) copy beside every script and style sheet of
 * dist/assets, compressed as hard as each format goes: the server sends them to browsers that
 * accept them (@fastify/static's preCompressed), so nothing is compressed per request.
 */
function precompressAssets(): Plugin {
  return {
    name: 'amtsbote-precompress-assets',
    apply: 'build',
    async writeBundle(options, bundle) {
      const outDir = options.dir ?? 'dist';
      const files = Object.keys(bundle).filter(
        (file) => file.startsWith('assets/') && /\.(?:js|css)$/.test(file),
      );
      await Promise.all(
        files.map(async (file) => {
          const target = path.join(outDir, file);
          const content = await readFile(target);
          const [br, gz] = await Promise.all([
            brotli(content, {
              params: {
                [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
                [constants.BROTLI_PARAM_SIZE_HINT]: content.length,
              },
            }),
            gzipped(content, { level: constants.Z_BEST_COMPRESSION }),
          ]);
          await Promise.all([writeFile(`${target}.br`, br), writeFile(`${target}.gz`, gz)]);
        }),
      );
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  plugins: [
    optimizeLocales.vite({ locales: ['de-DE', 'en-US'] }),
    react(),
    precacheList(),
    precompressAssets(),
  ],
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
