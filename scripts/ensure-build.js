// `npm start` runs this first: builds the packages, the server and the web app when a build is
// missing (a fresh clone installed with --ignore-scripts, or a deleted dist), so the server never
// serves an unbuilt app.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const required = [
  'apps/server/dist/cli/main.js',
  'apps/web/dist/index.html',
  'apps/web/dist/sw.js',
];
const missing = required.filter((file) => !existsSync(new URL(`../${file}`, import.meta.url)));
if (missing.length > 0) {
  process.stdout.write(`Building first (missing: ${missing.join(', ')})\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', 'build'], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
