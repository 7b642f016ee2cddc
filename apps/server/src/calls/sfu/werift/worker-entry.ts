/*
 * The entry of an SFU worker process (forked by pool/worker-pool.ts from the BUILT
 * dist/calls/sfu/werift/worker-entry.js). It speaks only the IPC of ../ipc.ts: a malformed
 * message is refused with a typed answer and the worker goes on; when the parent goes away
 * the worker ends.
 */
import { performance } from 'node:perf_hooks';
import { SfuError, SfuIpcError } from '../errors.js';
import {
  assertSendable,
  parseParentMessage,
  type WorkerConfig,
  type WorkerMessage,
  type WorkerRequest,
} from '../ipc.js';
import { FaultReporter } from './fault-reporter.js';
import { PayloadInspector } from './payload-inspector.js';
import { WorkerSfu } from './worker-sfu.js';

function send(message: WorkerMessage): void {
  try {
    assertSendable(message);
  } catch {
    if ('id' in message)
      send({
        type: 'failure',
        id: message.id,
        code: 'sfu_ipc_too_large',
        message: 'answer too large',
      });
    return;
  }
  // After the parent disconnected, send would raise ERR_IPC_CHANNEL_CLOSED as an 'error' event.
  if (process.connected) process.send?.(message);
}

let sfu: WorkerSfu | null = null;
let inspector: PayloadInspector | null = null;

function configure(config: WorkerConfig): void {
  if (sfu !== null) return;
  if (config.isInspecting && process.env['VITEST'] === undefined) {
    throw new SfuError('sfu_internal', 'payload inspection is for tests only');
  }
  inspector = config.isInspecting
    ? new PayloadInspector((records, droppedCount) =>
        send({ type: 'inspection', records, droppedCount }),
      )
    : null;
  const now = (): number => performance.now();
  sfu = new WorkerSfu({
    config,
    emit: (event) => send({ type: 'event', event }),
    inspector,
    faults: new FaultReporter(send, now),
    now,
  });
  send({ type: 'ready' });
}

async function handle(id: number, request: WorkerRequest): Promise<void> {
  try {
    if (sfu === null) throw new SfuError('sfu_internal', 'worker not configured');
    const result = await sfu.handle(request);
    send({ type: 'response', id, result });
  } catch (error) {
    const known = error instanceof SfuError;
    send({
      type: 'failure',
      id,
      code: known ? error.code : 'sfu_internal',
      message: known ? error.message.slice(0, 1024) : 'internal error',
    });
  }
}

function onMessage(raw: unknown): void {
  try {
    const message = parseParentMessage(raw);
    if (message.type === 'configure') configure(message.config);
    else void handle(message.id, message.request);
  } catch (error) {
    const code = error instanceof SfuError ? error.code : 'sfu_internal';
    const issues = error instanceof SfuIpcError ? [...error.issues] : [];
    send({ type: 'refused', code, issues });
  }
}

process.on('message', onMessage);
process.on('disconnect', () => {
  inspector?.close();
  void sfu?.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
