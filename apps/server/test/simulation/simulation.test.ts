import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { POSTGRES_SKIP_REASON } from '../support/backends.js';
import type { Backend } from '../support/test-server.js';
import { summarize } from './final-check.js';
import { backendFromEnvironment, freshSeed, seedFromEnvironment } from './replay-options.js';
import { runSimulation } from './simulation.js';

/*
 * The seeded simulation (messaging acceptance item 1): a fixed seed on PGlite, so a
 * regression shows the same way every time, and a fresh seed, printed to the log, on
 * PostgreSQL where one runs (CI), so every run explores new ground on both storages.
 * AMTSBOTE_SIM_SEED=<seed> (with AMTSBOTE_SIM_BACKEND=postgres for a PostgreSQL seed) replays
 * one run alone; AMTSBOTE_SIM_TRACE=<file> appends what every operation did to that file.
 */

const FIXED_SEED = 20_261_124;
const OPERATIONS = 10_000;
const MIN_USERS = 8;
const MIN_DEVICES = 20;
/** Per run: about eight minutes on two slow cores shared with the rest of the suite. */
const TIMEOUT_MS = 20 * 60_000;

interface Run {
  readonly seed: number;
  readonly backend: Backend;
  readonly origin: string;
}

function runs(): Run[] {
  const replay = seedFromEnvironment();
  if (replay !== null) {
    return [{ seed: replay, backend: backendFromEnvironment() ?? 'pglite', origin: 'replayed' }];
  }
  const freshBackend: Backend = POSTGRES_SKIP_REASON === null ? 'postgres' : 'pglite';
  return [
    { seed: FIXED_SEED, backend: 'pglite', origin: 'fixed' },
    { seed: freshSeed(), backend: freshBackend, origin: 'fresh' },
  ];
}

describe('seeded simulation of users, devices and conversations', () => {
  for (const { seed, backend, origin } of runs()) {
    it(
      `shows every message exactly once to exactly the devices that were members (${origin} seed ${seed} on ${backend})`,
      async () => {
        console.log('simulation seed', seed, 'on', backend);
        const dataDir = await mkdtemp(path.join(os.tmpdir(), 'amtsbote-simulation-'));
        const tracePath = process.env['AMTSBOTE_SIM_TRACE'] ?? null;
        const trace: string[] = [];
        try {
          const report = await runSimulation({
            seed,
            backend,
            operations: OPERATIONS,
            dataDir,
            ...(tracePath === null
              ? {}
              : {
                  trace: (line: string) => {
                    trace.push(line);
                  },
                }),
          });
          const { violations, ...figures } = report;
          console.log(
            'simulation report',
            JSON.stringify({ ...figures, violations: violations.length }),
          );
          expect(report.executed).toBeGreaterThanOrEqual(OPERATIONS);
          expect(report.users).toBeGreaterThanOrEqual(MIN_USERS);
          expect(report.devices).toBeGreaterThanOrEqual(MIN_DEVICES);
          for (const [name, count] of Object.entries(report.counts)) {
            expect(count, `operations of kind ${name}`).toBeGreaterThan(0);
          }
          const replay = `replay: AMTSBOTE_SIM_SEED=${seed} AMTSBOTE_SIM_BACKEND=${backend}`;
          expect(summarize(violations), replay).toEqual([]);
        } finally {
          await rm(dataDir, { recursive: true, force: true });
          if (tracePath !== null) {
            await appendFile(tracePath, `# seed ${seed} on ${backend}\n${trace.join('\n')}\n`);
          }
        }
      },
      TIMEOUT_MS,
    );
  }
});
