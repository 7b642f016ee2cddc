/*
 * A task run every interval, the first time one interval after the start. The next run is
 * scheduled when the previous one has ended, so two never overlap. The task handles its own
 * errors (a rejection is swallowed here so the schedule goes on). The timer does not keep the
 * process alive.
 */

export interface PeriodicTask {
  /** No further runs; resolves when the one running, if any, has ended. */
  stop(): Promise<void>;
}

export function startPeriodicTask(run: () => Promise<void>, intervalMs: number): PeriodicTask {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let isStopped = false;

  const schedule = (): void => {
    timer = setTimeout(() => {
      timer = null;
      running = run()
        .catch(() => undefined)
        .finally(() => {
          running = null;
          if (!isStopped) schedule();
        });
    }, intervalMs);
    timer.unref();
  };

  schedule();
  return {
    stop: async () => {
      isStopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
