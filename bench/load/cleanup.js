/*
 * What a load run started is ended again, also when the run is interrupted (Ctrl-C, SIGTERM,
 * or its time budget): every starter registers its stop here, and a signal runs them all, in
 * reverse order, before the process exits.
 */
const stops = [];
let isInstalled = false;

/** Ends everything registered, newest first. */
export async function runAll() {
  while (stops.length > 0) {
    const stop = stops.pop();
    try {
      await stop();
    } catch (error) {
      console.error(`cleanup: ${error.message}`);
    }
  }
}

function install() {
  if (isInstalled) return;
  isInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      console.error(`${signal}: ending what this run started`);
      void runAll().finally(() => process.exit(130));
    });
  }
}

/** Registers `stop`; returns a function that unregisters it (after a normal stop). */
export function onCleanup(stop) {
  install();
  stops.push(stop);
  return () => {
    const index = stops.indexOf(stop);
    if (index !== -1) stops.splice(index, 1);
  };
}
