/*
 * Linux processes read from /proc, for ending exactly the processes a benchmark started: each is
 * known by pid and start time, so that a later process reusing the pid is never taken for it.
 */
import fs from 'node:fs';

/** pid, name, parent, owner and start time (to tell a reused pid apart) of a process, or null. */
export function processInfo(pid) {
  try {
    const uid = fs.statSync(`/proc/${pid}`).uid;
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const nameEnd = stat.lastIndexOf(')');
    const fields = stat.slice(nameEnd + 2).split(' ');
    return {
      pid,
      name: stat.slice(stat.indexOf('(') + 1, nameEnd),
      state: fields[0] ?? '',
      ppid: Number(fields[1]),
      startTime: fields[19] ?? '',
      uid,
    };
  } catch {
    return null;
  }
}

export function listProcesses() {
  const processes = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = processInfo(Number(entry));
    if (info !== null) processes.push(info);
  }
  return processes;
}

export function processKey(info) {
  return `${info.pid}:${info.startTime}`;
}

/** Still running: neither gone nor ended and waiting to be reaped (a zombie). */
export function isAlive(info) {
  const now = processInfo(info.pid);
  return now !== null && now.startTime === info.startTime && now.state !== 'Z';
}

export function isReaped(info) {
  const now = processInfo(info.pid);
  return now === null || now.startTime !== info.startTime;
}

/** Waits, blocking, until `isDone` holds for all `processes`; usable in signal handlers. */
export function waitSync(processes, isDone, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (!processes.every(isDone) && Date.now() < deadline) Atomics.wait(cell, 0, 0, 20);
}

/** `rootPid` and all processes below it. */
export function processTree(rootPid) {
  const processes = listProcesses();
  const tree = processes.filter((info) => info.pid === rootPid);
  for (let i = 0; i < tree.length; i += 1) {
    const parent = tree[i]?.pid;
    tree.push(...processes.filter((info) => info.ppid === parent));
  }
  return tree;
}

export function killProcess(info) {
  if (!isAlive(info)) return;
  try {
    process.kill(info.pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

export function commandLine(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

export function maxOpenFiles(pid) {
  const limits = fs.readFileSync(`/proc/${pid}/limits`, 'utf8');
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
  const soft = match?.[1] ?? '0';
  return soft === 'unlimited' ? Infinity : Number(soft);
}

export async function rssBytesOf(pid) {
  const status = await fs.promises.readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (match === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** User plus system CPU seconds the process has used so far. */
export function cpuSecondsOf(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
