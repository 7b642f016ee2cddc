import { statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { InspectionRecord } from '../../../src/calls/sfu/ipc.js';
import { WorkerPool } from '../../../src/calls/sfu/pool/worker-pool.js';
import type { SfuLogger } from '../../../src/calls/sfu/sfu.js';

const SERVER_ROOT = join(import.meta.dirname, '..', '..', '..');
export const WORKER_ENTRY = join(SERVER_ROOT, 'dist/calls/sfu/werift/worker-entry.js');

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Worker processes run the BUILT entry: refuse a missing or stale build with what to do. */
export function builtWorkerEntry(): string {
  let builtMs: number;
  try {
    builtMs = statSync(WORKER_ENTRY).mtimeMs;
  } catch {
    throw new Error(`${WORKER_ENTRY} is missing: run npm run build -w apps/server`);
  }
  if (newestMtimeMs(join(SERVER_ROOT, 'src/calls/sfu')) > builtMs) {
    throw new Error(
      'apps/server/dist is older than src/calls/sfu: run npm run build -w apps/server',
    );
  }
  return WORKER_ENTRY;
}

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

export function memoryLogger(): SfuLogger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (fields, message) => lines.push({ level: 'info', fields, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
    error: (fields, message) => lines.push({ level: 'error', fields, message }),
  };
}

export async function startTestPool(options: {
  readonly workerCount: number;
  readonly logger?: SfuLogger;
  readonly entryPath?: string;
  readonly requestTimeoutMs?: number;
  readonly onInspection?: (records: readonly InspectionRecord[], droppedCount: number) => void;
}): Promise<WorkerPool> {
  return WorkerPool.start({
    workerEntryPath: options.entryPath ?? builtWorkerEntry(),
    workerCount: options.workerCount,
    ice: { iceServers: [], portRange: null, allowPrivateAddresses: true, isLoopbackOnly: true },
    logger: options.logger ?? memoryLogger(),
    stopGraceMs: 2000,
    ...(options.requestTimeoutMs === undefined
      ? {}
      : { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.onInspection === undefined
      ? {}
      : { dangerousTestOnlyInspectPayloads: options.onInspection }),
  });
}

/** Polls `condition` until it holds or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(
  what: string,
  condition: () => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
