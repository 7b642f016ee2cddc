#!/usr/bin/env node
/*
 * Benchmark runner: `npm run bench -- <scenario> [options]`. Runs the BUILT packages (dist), so
 * the figures are those of the code that ships; prints one JSON line and one Markdown table per
 * scenario. Figures only: nothing here passes or fails on time. No network.
 */
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BudgetSpentError, markdownTable } from './stats.js';

const ROOT = join(import.meta.dirname, '..');

const SCENARIOS = {
  'mls-messages': { module: './mls-messages.js', run: 'mlsMessages', maxSeconds: 120 },
  'mls-commit-add': { module: './mls-commit.js', run: 'mlsCommitAdd', maxSeconds: 600 },
  'mls-commit-process': { module: './mls-commit.js', run: 'mlsCommitProcess', maxSeconds: 600 },
  'file-crypto': { module: './file-crypto.js', run: 'fileCrypto', maxSeconds: 300 },
  'file-transfer': { module: './file-transfer.js', run: 'fileTransfer', maxSeconds: 900 },
  'web-budgets': { module: './web-budgets.js', run: 'webBudgets', maxSeconds: 900 },
  sessions: { module: './load/index.js', run: 'loadSessions', maxSeconds: 1200, isLoad: true },
  storm: { module: './load/index.js', run: 'loadStorm', maxSeconds: 1200, isLoad: true },
  direct: { module: './load/index.js', run: 'loadDirect', maxSeconds: 1800, isLoad: true },
  fanout: { module: './load/index.js', run: 'loadFanout', maxSeconds: 1200, isLoad: true },
  mls: { module: './load/index.js', run: 'loadMls', maxSeconds: 1200, isLoad: true },
  calls: { module: './calls/index.js', run: 'calls', maxSeconds: 600 },
};

const BACKENDS = { pglite: ['pglite'], postgres: ['postgres'], both: ['pglite', 'postgres'] };

const CIPHERSUITES = ['xwing', 'classic'];

const USAGE = `usage: npm run bench -- <scenario> [options]
scenarios: ${Object.keys(SCENARIOS).join(', ')}
options:
  --ciphersuite xwing|classic   MLS ciphersuite (default xwing)
  --count N                     mls-messages: messages per repetition; sessions, storm,
                                direct: sessions online; fanout: channel members; mls: texts
                                per member (default 2000); calls: subscribers of one
                                publisher at 1.5 Mbit/s (default 30)
  --rate R[,R…]                 direct: messages per second, one run per rate (default 2500)
  --duration S                  direct: seconds each rate is held (default 20)
  --posts N                     fanout: posts measured per repetition (default 5)
  --backend pglite|postgres|both  load scenarios: Amtsbote's storage (default pglite; postgres
                                uses a fresh database on AMTSBOTE_BENCH_POSTGRES_URL or the
                                local server)
  --peer ejabberd|none          load scenarios: also measure ejabberd, where installed (default)
  --workers N                   load scenarios: load-client processes (default count/5000, ≥ 2)
  --json                        print the JSON report only
  --bytes N                     mls-messages: plaintext bytes per message (default 100)
  --members M                   mls-commit-*: devices added / group size (default 1000);
                                mls: members of the group, each a real client (default 20)
  --mebibytes N                 file-crypto, file-transfer: plaintext MiB per repetition (default 256)
  --disconnects N               file-transfer: one more upload, cut N times by a proxy (default 0)
  --messages N                  web-budgets: texts in the measured conversation (default 10000)
  --repetitions R               repetitions; the median is reported (default 5; load
                                scenarios 1, each repetition on a fresh server)
  --max-seconds S               stops the scenario once S seconds are spent (default per scenario)`;

function newestMtimeMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** The benchmarks import dist: a missing or older build would measure other code. */
function checkBuilt(pkg) {
  const dist = join(ROOT, 'packages', pkg, 'dist', 'index.js');
  let builtMs;
  try {
    builtMs = statSync(dist).mtimeMs;
  } catch {
    return `packages/${pkg} is not built`;
  }
  if (newestMtimeMs(join(ROOT, 'packages', pkg, 'src')) > builtMs) {
    return `packages/${pkg}/dist is older than its src`;
  }
  return null;
}

function positiveInteger(name, value) {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new Error(`--${name} must be a positive integer`);
  return number;
}

function refuse(message) {
  throw new Error(message);
}

function parseOptions(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ciphersuite: { type: 'string', default: 'xwing' },
      count: { type: 'string', default: '2000' },
      bytes: { type: 'string', default: '100' },
      members: { type: 'string' },
      mebibytes: { type: 'string', default: '256' },
      disconnects: { type: 'string', default: '0' },
      messages: { type: 'string', default: '10000' },
      repetitions: { type: 'string' },
      rate: { type: 'string', default: '2500' },
      duration: { type: 'string', default: '20' },
      posts: { type: 'string', default: '5' },
      backend: { type: 'string', default: 'pglite' },
      peer: { type: 'string', default: 'ejabberd' },
      workers: { type: 'string' },
      json: { type: 'boolean', default: false },
      'max-seconds': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const [scenario] = positionals;
  if (values.help || scenario === undefined || !(scenario in SCENARIOS) || positionals.length > 1) {
    return null;
  }
  const spec = SCENARIOS[scenario];
  if (!CIPHERSUITES.includes(values.ciphersuite)) {
    throw new Error(`--ciphersuite must be one of ${CIPHERSUITES.join(', ')}`);
  }
  const members = positiveInteger(
    'members',
    values.members ?? (scenario === 'mls' ? '20' : '1000'),
  );
  if (members < 3 && scenario === 'mls-commit-process') {
    throw new Error('--members must be at least 3 for mls-commit-process');
  }
  return {
    scenario,
    spec,
    ciphersuite: values.ciphersuite,
    count: positiveInteger('count', values.count),
    bytes: positiveInteger('bytes', values.bytes),
    members,
    mebibytes: positiveInteger('mebibytes', values.mebibytes),
    disconnects:
      values.disconnects === '0' ? 0 : positiveInteger('disconnects', values.disconnects),
    messages: positiveInteger('messages', values.messages),
    repetitions: positiveInteger('repetitions', values.repetitions ?? (spec.isLoad ? '1' : '5')),
    rates: values.rate.split(',').map((rate) => positiveInteger('rate', rate)),
    duration: positiveInteger('duration', values.duration),
    posts: positiveInteger('posts', values.posts),
    backends: BACKENDS[values.backend] ?? refuse('--backend must be pglite, postgres or both'),
    peer: ['ejabberd', 'none'].includes(values.peer)
      ? values.peer
      : refuse('--peer must be ejabberd or none'),
    workers: values.workers === undefined ? null : positiveInteger('workers', values.workers),
    isJson: values.json,
    maxSeconds: positiveInteger('max-seconds', values['max-seconds'] ?? spec.maxSeconds),
  };
}

function machine() {
  const [one, five, fifteen] = loadavg();
  return {
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadAverageAtStart: [one, five, fifteen].map((v) => Number(v.toFixed(2))),
  };
}

/**
 * A load run stops by itself: the deadline ends it between steps, and should a step hang, this
 * ends every process it started a minute after its budget and exits.
 */
async function stopLoadAfter(options) {
  const { runAll } = await import('./load/cleanup.js');
  return setTimeout(
    () => {
      console.error(`${options.scenario}: --max-seconds ${options.maxSeconds} spent; stopping`);
      void runAll().finally(() => process.exit(1));
    },
    (options.maxSeconds + 60) * 1000,
  ).unref();
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${error.message}\n${USAGE}`);
    return 2;
  }
  if (options === null) {
    console.error(USAGE);
    return 2;
  }
  const stale = checkBuilt('crypto');
  if (stale !== null) {
    console.error(`${stale}: run npm run build first`);
    return 1;
  }
  const { Deadline } = await import('./stats.js');
  const scenarioModule = await import(options.spec.module);
  const startedAt = new Date().toISOString();
  const env = machine();
  const deadline = new Deadline(options.maxSeconds);
  const hardStop = options.spec.isLoad ? await stopLoadAfter(options) : null;
  let result;
  try {
    result = await scenarioModule[options.spec.run](options, deadline);
  } catch (error) {
    if (error instanceof BudgetSpentError) {
      console.error(`${options.scenario}: ${error.message}; no complete repetition to report`);
      return 1;
    }
    throw error;
  } finally {
    clearTimeout(hardStop ?? undefined);
  }
  const report = {
    scenario: options.scenario,
    startedAt,
    ...result,
    machine: { ...env, loadAverageAtEnd: loadavg().map((v) => Number(v.toFixed(2))) },
    isBudgetSpent: deadline.isSpent,
  };
  const { markdown, ...json } = report;
  console.log(JSON.stringify(json));
  if (!options.isJson) {
    console.log('');
    console.log(markdown ?? markdownTable(report));
  }
  return 0;
}

process.exitCode = await main();
