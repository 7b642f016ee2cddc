#!/usr/bin/env node
// Launcher for the compiled CLI. `npm ci` builds it (the root "prepare" script).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('amtsbote is not built yet: run `npm run build` in the repository root.\n');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
