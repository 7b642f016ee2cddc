/*
 * The built Amtsbote server in a child process on loopback, for the web-budgets scenario: a
 * temporary data directory, embedded PGlite, or a fresh PostgreSQL database (made for the run,
 * dropped after it) when AMTSBOTE_BENCH_POSTGRES_URL is set. It serves apps/web/dist as built.
 * The server is not set up here: the browser does that through the setup link, as a person would.
 * (The process helpers are those of file-transfer.js, which keeps its own copies private.)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const ROOT = join(import.meta.dirname, '..');
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Spawns node with `args` and waits for a stdout line matching `pattern`. */
function startProcess(args, env, pattern) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no start within ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (data) => {
      output += data.toString();
      const match = pattern.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve({ child, match });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (data) => {
      output += data.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before it started:\n${output}`));
    });
  });
}

/** SIGTERM to this child only, SIGKILL after a grace period. */
function stopProcess(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS).unref();
  });
}

async function withPg(url, body) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await body(client);
  } finally {
    await client.end();
  }
}

/** A fresh database on the PostgreSQL server of `adminUrl`; returns its URL and a drop(). */
async function freshDatabase(adminUrl) {
  const name = `amtsbote_bench_${randomBytes(6).toString('hex')}`;
  await withPg(adminUrl, (admin) => admin.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withPg(adminUrl, (admin) => admin.query(`drop database if exists ${name} with (force)`)),
  };
}

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
    const port = await freePort();
    const started = await startProcess(
      [join(ROOT, 'apps/server/bin/amtsbote.js'), 'serve'],
      {
        ...(database === null ? {} : { AMTSBOTE_DATABASE_URL: database.url }),
        PATH: process.env.PATH,
        AMTSBOTE_DATA_DIR: dataDir,
        AMTSBOTE_HOST: '127.0.0.1',
        AMTSBOTE_PORT: String(port),
        AMTSBOTE_LOG_LEVEL: 'warn',
      },
      /\/setup#(\S+)/,
    );
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
