import { sql } from 'kysely';
import type { Logger } from 'pino';
import { startPeriodicTask, type PeriodicTask } from '../periodic-task.js';
import type { Storage } from './open-storage.js';

/*
 * The planner's statistics and dead rows. PostgreSQL's autovacuum keeps both up to date, but
 * only a minute or more after a table filled up; PGlite runs no background workers, so without
 * the server nothing would ever do it. Without statistics the planner takes a table filled
 * since for a small one: delivering one message then scanned every user of the organization
 * (found by EXPLAIN in the load harness). So the server runs ANALYZE when it starts, and on
 * PGlite VACUUM (ANALYZE) every interval: acks update cursor rows all the time.
 */

export const PGLITE_VACUUM_INTERVAL_MS = 3600_000;

export interface StorageMaintenance {
  /** No further runs; resolves when the running one, if any, has ended. */
  stop(): Promise<void>;
}

async function run(
  storage: Storage,
  logger: Logger,
  statement: 'analyze' | 'vacuum',
): Promise<void> {
  const startedAt = performance.now();
  try {
    await (statement === 'analyze'
      ? sql`analyze`.execute(storage.db)
      : sql`vacuum (analyze)`.execute(storage.db));
    logger.debug(
      { statement, ms: Math.round(performance.now() - startedAt) },
      'storage maintenance done',
    );
  } catch (error) {
    logger.error({ err: error, statement }, 'storage maintenance failed');
  }
}

/** ANALYZE now (awaited); on PGlite, VACUUM (ANALYZE) every intervalMs after that. */
export async function startStorageMaintenance(
  storage: Storage,
  logger: Logger,
  intervalMs: number = PGLITE_VACUUM_INTERVAL_MS,
): Promise<StorageMaintenance> {
  await run(storage, logger, 'analyze');
  const periodic: PeriodicTask | null =
    storage.kind === 'pglite'
      ? startPeriodicTask(() => run(storage, logger, 'vacuum'), intervalMs)
      : null;
  return { stop: async () => periodic?.stop() };
}
