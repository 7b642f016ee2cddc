import type { Config } from '../config.js';
import { startServer } from '../main.js';
import type { CliIo } from './main.js';

/** Runs until SIGTERM or SIGINT, then stops gracefully and returns 0. */
export async function runServe(config: Config, io: CliIo): Promise<number> {
  const server = await startServer(config, { console: (line) => io.stdout(`${line}\n`) });
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      server.logger.info({ signal }, 'stopping');
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await server.close();
  return 0;
}
