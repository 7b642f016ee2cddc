import { fork, type ChildProcess } from 'node:child_process';
import { SfuError, SfuIpcError } from '../errors.js';
import {
  assertSendable,
  parseWorkerMessage,
  type InspectionRecord,
  type ParentMessage,
  type WorkerConfig,
  type WorkerEvent,
  type WorkerRequest,
} from '../ipc.js';
import type { SfuLogger } from '../sfu.js';

const STDERR_TAIL_CHARS = 4096;

interface Pending {
  readonly resolve: (result: { answerSdp?: string | undefined }) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export interface WorkerChannelOptions {
  readonly entryPath: string;
  readonly config: WorkerConfig;
  readonly requestTimeoutMs: number;
  readonly startTimeoutMs: number;
  readonly logger: SfuLogger;
  readonly onEvent: (event: WorkerEvent) => void;
  readonly onInspection: (records: readonly InspectionRecord[], droppedCount: number) => void;
  /** The process ended without being asked to. */
  readonly onLost: (channel: WorkerChannel) => void;
}

/**
 * One SFU worker process and its IPC: requests with ids and timeouts, every incoming message
 * parsed (a malformed one is logged by its schema paths and dropped), the end of the process
 * turned into one onLost call and the rejection of every open request.
 */
export class WorkerChannel {
  readonly #child: ChildProcess;
  readonly #options: WorkerChannelOptions;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #isStopping = false;
  #stderrTail = '';
  readonly ready: Promise<void>;

  constructor(options: WorkerChannelOptions) {
    this.#options = options;
    this.#child = fork(options.entryPath, [], {
      execArgv: [],
      serialization: 'json',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.#child.stderr?.setEncoding('utf8');
    this.#child.stderr?.on('data', (chunk: string) => {
      this.#stderrTail = (this.#stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new SfuError('sfu_worker_timeout', 'SFU worker did not start'));
      }, options.startTimeoutMs);
      this.#onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#onStartFailed = (error) => {
        clearTimeout(timer);
        reject(error);
      };
    });
    this.#child.on('message', (raw) => this.#receive(raw));
    this.#child.on('error', (error) => {
      options.logger.warn({ pid: this.pid, err: error.message }, 'SFU worker IPC error');
    });
    this.#child.on('exit', (code, signal) => this.#exited(code, signal));
    this.#post({ type: 'configure', config: options.config });
  }

  #onReady: () => void = () => undefined;
  #onStartFailed: (error: Error) => void = () => undefined;

  get pid(): number | null {
    return this.#child.pid ?? null;
  }

  get isAlive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null && !this.#isStopping;
  }

  request(request: WorkerRequest): Promise<{ answerSdp?: string | undefined }> {
    if (!this.isAlive) {
      return Promise.reject(new SfuError('sfu_worker_lost', 'SFU worker is gone'));
    }
    const id = this.#nextId;
    this.#nextId += 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new SfuError('sfu_worker_timeout', `SFU worker did not answer ${request.op}`));
      }, this.#options.requestTimeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      try {
        this.#post({ type: 'request', id, request });
      } catch (error) {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(error instanceof Error ? error : new SfuError('sfu_internal', 'send failed'));
      }
    });
  }

  /** Ends the process: disconnect (it closes its rooms), SIGKILL after the grace time. */
  stop(graceMs: number): Promise<void> {
    this.#isStopping = true;
    return new Promise((resolve) => {
      if (this.#child.exitCode !== null || this.#child.signalCode !== null) {
        resolve();
        return;
      }
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
      this.#child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.#child.connected) this.#child.disconnect();
      else this.#child.kill('SIGTERM');
    });
  }

  #post(message: ParentMessage): void {
    assertSendable(message);
    if (!this.#child.connected) throw new SfuError('sfu_worker_lost', 'SFU worker is gone');
    this.#child.send(message);
  }

  #receive(raw: unknown): void {
    let message;
    try {
      message = parseWorkerMessage(raw);
    } catch (error) {
      const issues = error instanceof SfuIpcError ? error.issues : [];
      this.#options.logger.warn({ pid: this.pid, issues }, 'malformed message from SFU worker');
      return;
    }
    switch (message.type) {
      case 'ready':
        this.#onReady();
        return;
      case 'response':
      case 'failure': {
        const pending = this.#pending.get(message.id);
        if (pending === undefined) return;
        this.#pending.delete(message.id);
        clearTimeout(pending.timer);
        if (message.type === 'response') pending.resolve(message.result);
        else pending.reject(new SfuError(message.code, message.message));
        return;
      }
      case 'event':
        this.#options.onEvent(message.event);
        return;
      case 'refused':
        this.#options.logger.warn(
          { pid: this.pid, code: message.code, issues: message.issues },
          'SFU worker refused a message',
        );
        return;
      case 'inspection':
        this.#options.onInspection(message.records, message.droppedCount);
        return;
      case 'fault': {
        const { roomId, participantId, role, context, error, count } = message;
        this.#options.logger.error(
          { pid: this.pid, roomId, participantId, role, context, error, count },
          'SFU worker caught an error in a media handler; the connection goes on',
        );
        return;
      }
    }
  }

  #exited(code: number | null, signal: NodeJS.Signals | null): void {
    const error = new SfuError('sfu_worker_lost', 'SFU worker ended');
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#pending.clear();
    this.#onStartFailed(error);
    if (this.#isStopping) return;
    this.#isStopping = true;
    this.#options.logger.error(
      { pid: this.pid, code, signal, stderrTail: this.#stderrTail },
      'SFU worker ended unexpectedly',
    );
    this.#options.onLost(this);
  }
}
