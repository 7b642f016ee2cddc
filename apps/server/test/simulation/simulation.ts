import { check, type Violation } from './final-check.js';
import { WEIGHTS, type OperationName } from './operation-catalog.js';
import { runOperations, type Progress } from './operation-loop.js';
import { settle } from './settle.js';
import { Prng } from './prng.js';
import type { SimContext } from './sim-context.js';
import { SimModel, snapshotsOf } from './sim-model.js';
import { populate } from './sim-setup.js';
import { SimWorld } from './sim-world.js';
import type { Backend } from '../support/test-server.js';

/*
 * One seeded run: the population, the operations, then settling and the final comparison,
 * with figures on what ran and what it cost. The server and every client share this process,
 * so its CPU time is the cost of the whole system.
 */

export interface SimulationOptions {
  readonly seed: number;
  readonly operations: number;
  /** The server's data directory (kept across restarts); the caller removes it. */
  readonly dataDir: string;
  /** PGlite in the data directory, or a PostgreSQL database of the run's own. */
  readonly backend: Backend;
  /** Receives the trace: one line per step of every operation. */
  readonly trace?: (line: string) => void;
  /** Replaces some weights (to study one kind of operation while developing). */
  readonly weights?: Partial<Record<OperationName, number>>;
}

interface Phases {
  readonly setup: number;
  readonly operations: number;
  readonly check: number;
}

export interface SimulationReport {
  readonly seed: number;
  readonly backend: Backend;
  readonly executed: number;
  readonly counts: Readonly<Record<OperationName, number>>;
  /** CPU seconds per kind of operation, the view reads after each included. */
  readonly cpuSecondsPerKind: Readonly<Record<OperationName, number>>;
  readonly users: number;
  readonly devices: number;
  readonly messages: number;
  /** Messages sent during a concurrent commit whose side of it the views could not tell. */
  readonly ambiguousMessages: number;
  /** How often the conversation views were read after an operation. */
  readonly viewReads: number;
  readonly engineErrors: number;
  readonly seconds: Phases;
  readonly cpuSeconds: Phases;
  readonly violations: readonly Violation[];
}

/** Wall and CPU milliseconds since the clock started, at each mark. */
class PhaseClock {
  readonly #wallStart = Date.now();
  readonly #cpuStart = process.cpuUsage();
  readonly #marks: { wall: number; cpu: number }[] = [{ wall: 0, cpu: 0 }];

  mark(): void {
    const { user, system } = process.cpuUsage(this.#cpuStart);
    this.#marks.push({ wall: Date.now() - this.#wallStart, cpu: (user + system) / 1000 });
  }

  /** Seconds between consecutive marks (setup, operations, check). */
  phases(kind: 'wall' | 'cpu'): Phases {
    const [setup, operations, check] = this.#marks
      .slice(1)
      .map((m, i) => toSeconds(m[kind] - (this.#marks[i]?.[kind] ?? 0)));
    return { setup: setup ?? 0, operations: operations ?? 0, check: check ?? 0 };
  }
}

const toSeconds = (ms: number): number => Math.round(ms / 100) / 10;

export async function runSimulation(options: SimulationOptions): Promise<SimulationReport> {
  const clock = new PhaseClock();
  const world = await SimWorld.start(options.dataDir, options.backend);
  try {
    const model = new SimModel();
    await populate(world, model);
    model.advance(snapshotsOf(await world.conversationViews()), []);
    const progress: Progress = { executed: 0 };
    const trace = options.trace ?? (() => undefined);
    let textCount = 0;
    const ctx: SimContext = {
      world,
      model,
      prng: new Prng(options.seed),
      nextText: () => `t${++textCount}`,
      trace: (line) => trace(`#${progress.executed} ${line}`),
    };
    clock.mark();

    const weights = { ...WEIGHTS, ...options.weights };
    const stats = await runOperations(ctx, options.operations, weights, progress);
    clock.mark();

    const violations = [...stats.violations, ...(await settle(ctx)), ...(await check(ctx))];
    clock.mark();
    return {
      seed: options.seed,
      backend: options.backend,
      executed: progress.executed,
      counts: stats.counts,
      cpuSecondsPerKind: Object.fromEntries(
        Object.entries(stats.cpuMillis).map(([name, ms]) => [name, toSeconds(ms)]),
      ) as Record<OperationName, number>,
      users: world.users.length,
      devices: world.devices().length,
      messages: model.messages.size,
      ambiguousMessages: model.ambiguousCount,
      viewReads: stats.viewReads,
      engineErrors: world.devices().reduce((sum, d) => sum + d.engineErrors, 0),
      seconds: clock.phases('wall'),
      cpuSeconds: clock.phases('cpu'),
      violations,
    };
  } finally {
    await world.close();
  }
}
