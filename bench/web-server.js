/*
 * The built Amtsbote server in a child process on loopback, for the web-budgets scenario: a
 * temporary data directory, embedded PGlite, or a fresh PostgreSQL database (made for the run,
 * dropped after it) when AMTSBOTE_BENCH_POSTGRES_URL is set. It serves apps/web/dist as built.
 * The server is not set up here: the browser does that through the setup link, as a person would.
 * (The process helpers are those of file-transfer.js, which keeps its own copies private.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDatabase, startServer, stopProcess } from './processes.js';

/**
 * Starts the server; returns its URLs, the setup token of the printed setup link, the backend's
 * name, its process (for memory readings) and stop(), which ends it and removes what it made.
 */
export async function startWebServer() {
  const dataDir = await mkdtemp(join(tmpdir(), 'amtsbote-bench-web-'));
  const postgresUrl = process.env.AMTSBOTE_BENCH_POSTGRES_URL ?? null;
  let database = null;
  let child = null;
  const stop = async () => {
    if (child !== null) await stopProcess(child);
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    if (postgresUrl !== null) database = await freshDatabase(postgresUrl);
    const started = await startServer({
      dataDir,
      databaseUrl: database?.url ?? null,
      pattern: /\/setup#(\S+)/,
    });
    const { port } = started;
    child = started.child;
    const baseUrl = `http://127.0.0.1:${port}`;
    return {
      baseUrl,
      wsUrl: `ws://127.0.0.1:${port}/api/ws`,
      setupToken: started.match[1],
      backend: database === null ? 'embedded PGlite' : 'PostgreSQL',
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
