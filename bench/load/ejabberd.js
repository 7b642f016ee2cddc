/*
 * ejabberd, the peer the load benchmark measures Amtsbote against: the Debian package, started
 * on loopback with the benchmark config beside this file (bench/load/ejabberd/) from a fresh
 * temporary directory, as the ejabberd user, and ended again by process id: only the processes
 * this start created, also when the benchmark is interrupted. Also registers the load accounts
 * in-band (XEP-0077). Online 1:1 messages are not persisted in this setup.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  commandLine,
  isAlive,
  isReaped,
  killProcess,
  listProcesses,
  maxOpenFiles,
  processInfo,
  processKey,
  processTree,
  rssBytesOf,
  waitSync,
} from './linux-processes.js';
import { XmppClient } from './xmpp-client.js';

const CONFIG_DIR = path.join(import.meta.dirname, 'ejabberd');
const CONFIG_FILES = ['ejabberd.yml', 'ejabberdctl.cfg', 'inetrc'];
const HOST = '127.0.0.1';
const PORT = 5222; // the c2s listener in ejabberd.yml
const DOMAIN = 'localhost'; // hosts in ejabberd.yml
const SYSTEM_USER = 'ejabberd';
const START_TIMEOUT_MS = 60_000;
const CTL_STOP_TIMEOUT_MS = 15_000;
const EXIT_TIMEOUT_MS = 15_000;
const KILL_WAIT_MS = 3_000;
const REAP_WAIT_MS = 1_000;
const POLL_MS = 200;
const STOP_POLL_MS = 50;
const WANTED_OPEN_FILES = 65_000;
const MIN_OPEN_FILES = 20_000;
const OUTPUT_TAIL_CHARS = 8_000;
const NOT_INSTALLED =
  'ejabberd is not installed: apt-get install -y --no-install-recommends ejabberd';

/*
 * As root: raise the hard open-files limit where allowed, then the soft one as far as it goes;
 * the limit passes through runuser to ejabberd. $1 is INNER, $2 the directory, $3 ejabberdctl,
 * $4 its command.
 */
const OUTER = `
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt ${WANTED_OPEN_FILES} ]; then
  ulimit -Hn ${WANTED_OPEN_FILES} 2>/dev/null
fi
ulimit -n ${WANTED_OPEN_FILES} 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec runuser -u ${SYSTEM_USER} -- sh -c "$1" ejabberd-bench "$2" "$3" "$4"`;

/** As the ejabberd user: ejabberdctl $3 with every path in the directory $1; $2 is ejabberdctl. */
const INNER = `
ulimit -n ${WANTED_OPEN_FILES} 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cd "$1" || exit 1
export ERL_EPMD_ADDRESS=127.0.0.1
exec "$2" --config-dir "$1" --config "$1/ejabberd.yml" --ctl-config "$1/ejabberdctl.cfg" \\
  --spool "$1/spool" --logs "$1/logs" "$3"`;

export class EjabberdError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = 'EjabberdError';
    this.code = code;
  }
}

function findExecutable(name) {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  return null;
}

function systemUser(name) {
  for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name) return { uid: Number(uid), gid: Number(gid) };
  }
  return null;
}

/** The ejabberd user's Erlang VMs and port mappers. */
function ejabberdUserProcesses(uid) {
  return listProcesses().filter(
    (info) => info.uid === uid && (info.name === 'beam.smp' || info.name === 'epmd'),
  );
}

function isPortFree(port) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error) => {
      if (error.code === 'EADDRINUSE') resolve(false);
      else reject(error);
    });
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

function portListener(port) {
  const result = spawnSync('ss', ['-Hltnp', `sport = :${port}`], {
    encoding: 'utf8',
    timeout: 5_000,
  });
  const lines = (result.stdout ?? '').trim();
  return lines === '' ? 'an unknown process (ss showed none)' : lines.replace(/\s+/g, ' ');
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

function logTail(dir) {
  const tails = [];
  for (const name of ['error.log', 'ejabberd.log', 'crash.log']) {
    try {
      const text = fs.readFileSync(path.join(dir, 'logs', name), 'utf8').trim();
      if (text !== '') tails.push(`${name}:\n${text.slice(-OUTPUT_TAIL_CHARS)}`);
    } catch {
      // no such log
    }
  }
  return tails.join('\n');
}

/** A fresh directory with the config, spool and logs, owned by the ejabberd user. */
function prepareDirectory({ uid, gid }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ejabberd-bench-'));
  try {
    for (const name of CONFIG_FILES) {
      fs.copyFileSync(path.join(CONFIG_DIR, name), path.join(dir, name));
    }
    fs.mkdirSync(path.join(dir, 'spool'));
    fs.mkdirSync(path.join(dir, 'logs'));
    for (const name of ['.', ...CONFIG_FILES, 'spool', 'logs']) {
      fs.chownSync(path.join(dir, name), uid, gid);
    }
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return dir;
}

function spawnCtl(ctl, dir, command) {
  return spawn('sh', ['-c', OUTER, 'ejabberd-bench', INNER, dir, ctl, command], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `ejabberdctl <command>` and waits for it, at most `timeoutMs`; then ends its tree. */
async function runCtl(ctl, dir, command, timeoutMs) {
  const child = spawnCtl(ctl, dir, command);
  child.stdout.resume();
  child.stderr.resume();
  const exited = new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  const code = await Promise.race([exited, sleep(timeoutMs, 'timeout', { ref: false })]);
  if (code === 'timeout' && child.pid !== undefined) {
    for (const info of processTree(child.pid)) killProcess(info);
  }
  return code;
}

/**
 * Starts ejabberd on 127.0.0.1:5222 and waits until it accepts connections (60 s at most).
 * Refuses when ejabberd is not installed or the port is taken; ends nothing it did not start.
 */
export async function startEjabberd() {
  const ctl = findExecutable('ejabberdctl');
  if (ctl === null) throw new EjabberdError('not-installed', NOT_INSTALLED);
  const user = systemUser(SYSTEM_USER);
  if (user === null) {
    throw new EjabberdError('no-user', `no system user ${SYSTEM_USER}: ${NOT_INSTALLED}`);
  }
  if (!(await isPortFree(PORT))) {
    throw new EjabberdError(
      'port-in-use',
      `${HOST}:${PORT} is already in use, by ${portListener(PORT)}; stop that server first ` +
        `(for the Debian service: systemctl stop ejabberd). Nothing was ended.`,
    );
  }
  const before = new Set(ejabberdUserProcesses(user.uid).map(processKey));
  const dir = prepareDirectory(user);
  const child = spawnCtl(ctl, dir, 'foreground');
  const run = {
    dir,
    user,
    before,
    child,
    // Start time too, so that no later process that reuses the pid is taken for it.
    childInfo: child.pid === undefined ? null : processInfo(child.pid),
    beam: null,
    maxOpenFiles: 0,
    output: '',
    exit: null,
    isKilled: false,
    stopping: null,
    removeHandlers: null,
  };
  const keepOutput = (data) => {
    run.output = (run.output + data.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout.on('data', keepOutput);
  child.stderr.on('data', keepOutput);
  child.on('exit', (code, signal) => {
    run.exit = signal ?? code;
  });
  child.on('error', (error) => {
    run.exit = error.message;
  });
  // ejabberd does not keep the benchmark alive; a forgotten stop() still ends it at exit.
  child.unref();
  child.stdout.unref();
  child.stderr.unref();

  const onSignal = (signal) => {
    killRun(run);
    // Re-raise with the default action unless the benchmark handles the signal itself.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const onExit = () => killRun(run);
  run.removeHandlers = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);

  try {
    await waitUntilListening(run);
    run.beam = findBeam(run);
    const openFiles = maxOpenFiles(run.beam.pid);
    if (openFiles < MIN_OPEN_FILES) {
      throw new EjabberdError(
        'open-files',
        `ejabberd may open only ${openFiles} files, fewer than ${MIN_OPEN_FILES}`,
      );
    }
    run.maxOpenFiles = openFiles;
  } catch (error) {
    killRun(run);
    throw error;
  }
  const beamPid = run.beam.pid;
  return {
    host: HOST,
    port: PORT,
    domain: DOMAIN,
    pid: beamPid,
    maxOpenFiles: run.maxOpenFiles,
    rssBytes: () => rssBytesOf(beamPid),
    stop: () => stopRun(run, ctl),
  };
}

async function waitUntilListening(run) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (run.exit !== null) {
      throw new EjabberdError(
        'start-failed',
        `ejabberd ended (${run.exit}) before it listened on ${HOST}:${PORT}:\n` +
          `${run.output}\n${logTail(run.dir)}`,
      );
    }
    if (await canConnect(PORT)) return;
    if (Date.now() > deadline) {
      throw new EjabberdError(
        'start-timeout',
        `ejabberd did not accept connections on ${HOST}:${PORT} within ` +
          `${START_TIMEOUT_MS / 1000} s:\n${run.output}\n${logTail(run.dir)}`,
      );
    }
    await sleep(POLL_MS);
  }
}

/** The Erlang VM of this start: below our child, running from our directory. */
function findBeam(run) {
  const spool = path.join(run.dir, 'spool');
  const isOurs = (info) => info.name === 'beam.smp' && commandLine(info.pid).includes(spool);
  const beam = childTree(run).find(isOurs) ?? ejabberdUserProcesses(run.user.uid).find(isOurs);
  if (beam === undefined) {
    throw new EjabberdError('no-beam', `ejabberd listens, but its beam.smp was not found`);
  }
  return beam;
}

function childTree(run) {
  return run.childInfo !== null && isAlive(run.childInfo) ? processTree(run.childInfo.pid) : [];
}

/** Ends, synchronously, everything this start created, and removes its directory. */
function killRun(run) {
  run.removeHandlers?.();
  if (run.isKilled) return;
  run.isKilled = true;
  // The VM first, so that ejabberdctl, still alive above it, reaps it; then the rest.
  const erlang = ejabberdUserProcesses(run.user.uid).filter(
    (info) => !run.before.has(processKey(info)),
  );
  if (run.beam !== null) erlang.push(run.beam);
  for (const info of erlang) killProcess(info);
  waitSync(erlang, isReaped, REAP_WAIT_MS);
  const tree = childTree(run);
  for (const info of tree) killProcess(info);
  waitSync([...erlang, ...tree], (info) => !isAlive(info), KILL_WAIT_MS);
  fs.rmSync(run.dir, { recursive: true, force: true, maxRetries: 3 });
}

function stopRun(run, ctl) {
  // The signal handlers stay until killRun: an interrupt during the stop still ends everything.
  run.stopping ??= (async () => {
    const beam = run.beam;
    if (beam !== null && isAlive(beam)) {
      await runCtl(ctl, run.dir, 'stop', CTL_STOP_TIMEOUT_MS);
      // ejabberdctl and runuser above the VM end by themselves once it has ended.
      const deadline = Date.now() + EXIT_TIMEOUT_MS;
      while ((isAlive(beam) || run.exit === null) && Date.now() < deadline) {
        await sleep(STOP_POLL_MS);
      }
    }
    killRun(run);
  })();
  return run.stopping;
}

/**
 * Registers `count` accounts `${prefix}0` … in-band, `concurrency` streams in parallel, each
 * registering its share one after another. Existing accounts count as registered.
 */
export async function registerAccounts({
  host,
  port,
  domain,
  count,
  prefix = 'u',
  password = 'bench',
  concurrency = 50,
}) {
  const accounts = Array.from({ length: count }, (_, i) => ({
    user: `${prefix}${i}`,
    password,
    jid: `${prefix}${i}@${domain}`,
  }));
  const streams = Math.max(1, Math.min(concurrency, count));
  const share = Math.ceil(count / streams);
  const batches = [];
  for (let from = 0; from < count; from += share) batches.push(accounts.slice(from, from + share));
  await Promise.all(
    batches.map((batch) => XmppClient.registerMany({ host, port, domain, accounts: batch })),
  );
  return accounts;
}
