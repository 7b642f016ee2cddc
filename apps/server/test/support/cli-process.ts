import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs the real `amtsbote` command as child processes: the compiled build behind
 * apps/server/bin/amtsbote.js, exactly what `npm start` and operators run.
 */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const CLI_BIN = path.join(REPO_ROOT, 'apps/server/bin/amtsbote.js');

const BUILD_OUTPUTS = [
  'apps/server/dist/cli/main.js',
  'packages/protocol/dist/index.js',
  'packages/crypto/dist/index.js',
  'packages/crypto/dist/node/index.js',
];
const SOURCE_DIRS = ['apps/server/src', 'packages/protocol/src', 'packages/crypto/src'];
const BUILD_TIMEOUT_MS = 180_000;

/** Rejects with a message naming what was awaited when the promise takes longer than timeoutMs. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

async function newestSourceMtimeMs(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
    newest = Math.max(newest, (await stat(path.join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}

async function isBuildCurrent(): Promise<boolean> {
  const outputs = BUILD_OUTPUTS.map((p) => path.join(REPO_ROOT, p));
  if (!outputs.every((p) => existsSync(p))) return false;
  const oldestOutput = Math.min(
    ...(await Promise.all(outputs.map(async (p) => (await stat(p)).mtimeMs))),
  );
  const sources = await Promise.all(
    SOURCE_DIRS.map((dir) => newestSourceMtimeMs(path.join(REPO_ROOT, dir))),
  );
  return Math.max(...sources) <= oldestOutput;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Test files run in parallel workers; only one of them may run the build at a time. */
async function withBuildLock<T>(body: () => Promise<T>): Promise<T> {
  const id = createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 12);
  const lockPath = path.join(os.tmpdir(), `amtsbote-cli-build-${id}.lock`);
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && !isAlive(owner)) await unlink(lockPath).catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`the build lock ${lockPath} was not released`);
      await sleep(250);
    }
  }
  try {
    return await body();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}

/**
 * The CLI runs the compiled build. CI builds it in `npm ci` (the root "prepare" script); locally
 * it is rebuilt here when missing or older than the sources, so the tests never run stale code.
 */
export async function ensureCliBuilt(): Promise<void> {
  if (await isBuildCurrent()) return;
  await withBuildLock(async () => {
    if (await isBuildCurrent()) return;
    await new Promise<void>((resolve, reject) => {
      execFile(
        'npm',
        ['run', 'build'],
        { cwd: REPO_ROOT, timeout: BUILD_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error === null) resolve();
          else reject(new Error(`npm run build failed:\n${stdout}\n${stderr}`, { cause: error }));
        },
      );
    });
  });
}

/** A port that was free a moment ago: listen on port 0, note the port, close. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port assigned');
  return address.port;
}

export async function makeTempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'amtsbote-cli-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of pattern in stdout; rejects on timeout or exit. */
  waitForStdout(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** Resolves when the process has exited and its output is complete. */
  waitForExit(timeoutMs: number): Promise<CliResult>;
  readonly hasExited: () => boolean;
}

export interface SpawnOptions {
  /** AMTSBOTE_* variables for the child; the parent's AMTSBOTE_* variables are never passed on. */
  readonly env?: Readonly<Record<string, string>>;
  /** Written to stdin, which is then closed; by default stdin is closed at once. */
  readonly input?: string;
  /** Keep stdin open (the caller writes to child.stdin). */
  readonly isStdinOpen?: boolean;
  readonly command?: readonly string[];
  readonly cwd?: string;
}

function childEnv(env: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('AMTSBOTE_')),
  );
  return { ...inherited, ...env };
}

/**
 * Spawns CLI processes and remembers them, so that a test's afterEach can kill (by pid) any
 * that a failed test left running.
 */
export class CliProcesses {
  readonly #running = new Set<CliProcess>();

  spawn(args: readonly string[], options: SpawnOptions = {}): CliProcess {
    const [command, ...prefix] = options.command ?? [process.execPath, CLI_BIN];
    if (command === undefined) throw new Error('no command');
    const child = spawn(command, [...prefix, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: childEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    let stdout = '';
    let stderr = '';
    let exit: CliResult | null = null;
    const outputListeners = new Set<() => void>();
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      for (const listener of outputListeners) listener();
    });
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<CliResult>((resolve) => {
      child.on('close', (code, signal) => {
        exit = { code, signal, stdout, stderr };
        this.#running.delete(handle);
        for (const listener of outputListeners) listener();
        resolve(exit);
      });
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else if (options.isStdinOpen !== true) child.stdin.end();
    child.stdin.on('error', () => undefined);

    const handle: CliProcess = {
      child,
      pid: child.pid,
      stdout: () => stdout,
      stderr: () => stderr,
      hasExited: () => exit !== null,
      waitForExit: (timeoutMs) => within(exited, timeoutMs, `${args.join(' ')} to exit`),
      waitForStdout: (pattern, timeoutMs) => {
        const found = new Promise<RegExpExecArray>((resolve, reject) => {
          const check = (): void => {
            const match = new RegExp(pattern.source, pattern.flags).exec(stdout);
            if (match !== null) {
              outputListeners.delete(check);
              resolve(match);
            } else if (exit !== null) {
              outputListeners.delete(check);
              reject(
                new Error(
                  `${args.join(' ')} exited (${exit.code ?? exit.signal}) before printing ${pattern}:\n${stdout}\n${stderr}`,
                ),
              );
            }
          };
          outputListeners.add(check);
          check();
        });
        return within(found, timeoutMs, `${pattern} on stdout of ${args.join(' ')}`);
      },
    };
    this.#running.add(handle);
    return handle;
  }

  /** Runs a command to its end (bounded by timeoutMs). */
  async run(
    args: readonly string[],
    options: SpawnOptions & { readonly timeoutMs?: number } = {},
  ): Promise<CliResult> {
    return this.spawn(args, options).waitForExit(options.timeoutMs ?? 30_000);
  }

  /** Kills every process this instance started that is still running, and waits for each. */
  async killAll(): Promise<void> {
    const running = [...this.#running];
    for (const proc of running) {
      try {
        process.kill(proc.pid, 'SIGKILL');
      } catch {
        // Already gone between the check and the kill.
      }
    }
    await Promise.all(running.map((proc) => proc.waitForExit(10_000)));
  }
}

export interface ServeOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly env?: Readonly<Record<string, string>>;
  /** How long /healthz may take to answer 200; SERVE_READY_TIMEOUT_MS by default. */
  readonly readyTimeoutMs?: number;
  /** The command line; by default the root package.json "start" script's. */
  readonly command?: readonly string[];
}

export interface RunningServer {
  readonly process: CliProcess;
  readonly baseUrl: string;
  readonly wsUrl: string;
  /** Sends the signal and waits (bounded) for the exit. */
  stop(signal?: NodeJS.Signals): Promise<CliResult>;
}

/**
 * Generous on purpose: a fresh embedded database runs initdb (WebAssembly) first, which takes
 * long on a busy machine. Tests about start-up time pass their own, tighter bound.
 */
export const SERVE_READY_TIMEOUT_MS = 60_000;

/** The command `npm start` runs, from the root package.json. */
export async function npmStartCommand(): Promise<string[]> {
  const manifest = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const start = manifest.scripts['start'];
  if (start === undefined) throw new Error('the root package.json has no start script');
  const [program, ...args] = start.split(/\s+/);
  return [program === 'node' ? process.execPath : (program ?? ''), ...args];
}

export function serveEnv(dataDir: string, port: number): Record<string, string> {
  return {
    AMTSBOTE_DATA_DIR: dataDir,
    AMTSBOTE_PORT: String(port),
    AMTSBOTE_HOST: '127.0.0.1',
  };
}

/**
 * Starts `amtsbote serve` and resolves once GET /healthz answers 200, within
 * SERVE_READY_TIMEOUT_MS; rejects (with the process output) if the process exits first.
 */
export async function startServe(
  processes: CliProcesses,
  options: ServeOptions,
): Promise<RunningServer> {
  const command = options.command ?? (await npmStartCommand());
  const [program, ...args] = command;
  if (program === undefined) throw new Error('empty serve command');
  const proc = processes.spawn(args, {
    command: [program],
    env: { ...serveEnv(options.dataDir, options.port), ...options.env },
  });
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const readyTimeoutMs = options.readyTimeoutMs ?? SERVE_READY_TIMEOUT_MS;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (proc.hasExited()) {
      const result = await proc.waitForExit(1_000);
      throw new Error(`serve exited with ${result.code}:\n${result.stdout}\n${result.stderr}`);
    }
    const status = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(1_000) }).then(
      (response) => response.status,
      () => null,
    );
    if (status === 200) break;
    if (Date.now() > deadline) {
      throw new Error(
        `/healthz did not answer 200 within ${readyTimeoutMs} ms; output so far:\n${proc.stdout()}\n${proc.stderr()}`,
      );
    }
    await sleep(100);
  }
  return {
    process: proc,
    baseUrl,
    wsUrl: `ws://127.0.0.1:${options.port}/api/ws`,
    stop: async (signal = 'SIGTERM') => {
      if (!proc.hasExited()) process.kill(proc.pid, signal);
      return proc.waitForExit(20_000);
    },
  };
}
