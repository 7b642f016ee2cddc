import type { Config } from '../config.js';
import { migrateToLatest } from '../storage/migrate.js';
import { openStorage } from '../storage/open-storage.js';
import type { CliIo } from './main.js';

export async function runMigrate(config: Config, io: CliIo, isJson: boolean): Promise<number> {
  const storage = await openStorage(
    config.databaseUrl === null
      ? { kind: 'pglite', dataDir: config.dataDir }
      : { kind: 'postgres', url: config.databaseUrl, maxConnections: 2 },
  );
  try {
    const report = await migrateToLatest(storage.db);
    io.stdout(
      isJson
        ? `${JSON.stringify({ applied: report.applied })}\n`
        : report.applied.length === 0
          ? 'schema is up to date\n'
          : `applied: ${report.applied.join(', ')}\n`,
    );
    return 0;
  } finally {
    await storage.close();
  }
}
