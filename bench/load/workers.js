/*
 * The load-client processes of a run: forks `count` load-worker.js processes, gives each its
 * share of the accounts (both ends of a pair in the same process), and sends them commands.
 * They are ended by their process id when the run ends, also when it is interrupted
 * (cleanup.js).
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { onCleanup } from './cleanup.js';
import { progress } from './progress.js';
import { stopProcess } from '../processes.js';

const WORKER = join(import.meta.dirname, 'load-worker.js');
const COMMAND_TIMEOUT_MS = 300_000;

class Worker {
  constructor() {
    this.child = fork(WORKER, [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: ['--max-old-space-size=4096'],
      serialization: 'advanced',
    });
    this.nextId = 0;
    this.pending = new Map();
    this.child.on('message', (message) => {
      const waiter = this.pending.get(message.id);
      if (waiter === undefined) return;
      this.pending.delete(message.id);
      clearTimeout(waiter.timer);
      if (message.error !== undefined) waiter.reject(new Error(`load worker: ${message.error}`));
      else waiter.resolve(message);
    });
    this.child.on('exit', (code, signal) => {
      for (const waiter of this.pending.values()) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`load worker ended (${code ?? signal})`));
      }
      this.pending.clear();
    });
  }

  request(command, args) {
    return new Promise((resolve, reject) => {
      const id = this.nextId;
      this.nextId += 1;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`load worker: ${command} took longer than ${COMMAND_TIMEOUT_MS} ms`));
      }, COMMAND_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.child.send({ id, command, args });
    });
  }
}

/**
 * Starts the workers and hands out `accounts` in contiguous slices of even length, so that
 * the pairs (2k, 2k + 1) stay together. Returns `{ all(command, args), each(fn), stop() }`.
 */
export async function startWorkers({ count, target, accounts }) {
  const workers = Array.from({ length: count }, () => new Worker());
  progress(`load clients started, pids ${workers.map((w) => w.child.pid).join(' ')}`);
  const stop = async () => {
    await Promise.all(workers.map((w) => stopProcess(w.child)));
  };
  const forget = onCleanup(stop);
  const perWorker = Math.ceil(accounts.length / count / 2) * 2;
  try {
    await Promise.all(
      workers.map((worker, index) =>
        worker.request('init', {
          target,
          accounts: accounts.slice(index * perWorker, (index + 1) * perWorker),
        }),
      ),
    );
  } catch (error) {
    forget();
    await stop();
    throw error;
  }
  return {
    workers,
    all: (command, args) => Promise.all(workers.map((w) => w.request(command, args))),
    stop: async () => {
      forget();
      await stop();
    },
  };
}
