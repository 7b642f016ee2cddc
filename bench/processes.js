/*
 * Processes and databases the benchmarks start for themselves on loopback, and end again by
 * their process id: a free port, a child node process awaited by a line of its output, its stop
 * (SIGTERM, then SIGKILL after a grace time), and a fresh PostgreSQL database with its drop.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { join } from 'node:path';
import pg from 'pg';

const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

export function freePort() {
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
export function startProcess(args, env, pattern) {
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
        resolve({ child, match, output });
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

const SERVER_BIN = join(import.meta.dirname, '..', 'apps/server/bin/amtsbote.js');

/**
 * The BUILT Amtsbote server (`amtsbote serve`) on 127.0.0.1 and a free port, with its data in
 * `dataDir` and PGlite, or `databaseUrl` (PostgreSQL); `env` adds AMTSBOTE_* settings,
 * `nodeArgs` node options. Resolves once stdout matches `pattern`: `{ child, match, port }`.
 */
export async function startServer({
  dataDir,
  databaseUrl = null,
  env = {},
  nodeArgs = [],
  pattern,
}) {
  const port = await freePort();
  const { child, match } = await startProcess(
    [...nodeArgs, SERVER_BIN, 'serve'],
    {
      ...(databaseUrl === null ? {} : { AMTSBOTE_DATABASE_URL: databaseUrl }),
      PATH: process.env.PATH,
      AMTSBOTE_DATA_DIR: dataDir,
      AMTSBOTE_HOST: '127.0.0.1',
      AMTSBOTE_PORT: String(port),
      AMTSBOTE_LOG_LEVEL: 'warn',
      ...env,
    },
    pattern,
  );
  return { child, match, port };
}

/** SIGTERM to this child only, SIGKILL after a grace period. */
export function stopProcess(child) {
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
export async function freshDatabase(adminUrl) {
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
