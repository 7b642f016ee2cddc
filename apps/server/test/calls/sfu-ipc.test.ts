import { fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SfuIpcError } from '../../src/calls/sfu/errors.js';
import {
  assertSendable,
  MAX_IPC_MESSAGE_BYTES,
  parseParentMessage,
  parseWorkerMessage,
} from '../../src/calls/sfu/ipc.js';
import { asRoomId } from '../../src/calls/sfu/sfu.js';
import { builtWorkerEntry, memoryLogger, startTestPool, waitFor } from './support/sfu-fixture.js';

const CONFIG = {
  iceServers: [],
  portRange: null,
  allowPrivateAddresses: true,
  isLoopbackOnly: true,
  isInspecting: false,
};

/** A stand-in SFU worker that starts properly and then answers every request with garbage. */
const GARBLING_WORKER = `
process.on('message', (message) => {
  if (message?.type === 'configure') process.send({ type: 'ready' });
  else process.send({ type: 'response', id: 'not-a-number', result: { answerSdp: 42 } });
});
process.on('disconnect', () => process.exit(0));
`;

/** A stand-in SFU worker that reports a caught fault once it is configured. */
const FAULTING_WORKER = `
process.on('message', (message) => {
  if (message?.type !== 'configure') return;
  process.send({ type: 'ready' });
  process.send({
    type: 'fault', roomId: 'r', participantId: 'p', role: 'publisher',
    context: 'receive_rtp', error: 'TypeError: x', count: 3,
  });
});
process.on('disconnect', () => process.exit(0));
`;

describe('SFU IPC', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('refuses malformed messages in both directions with a typed error naming the paths', () => {
    const cases: [() => unknown, string][] = [
      [() => parseParentMessage(null), '(root)'],
      [
        () => parseParentMessage({ type: 'request', id: 1, request: { op: 'drop_tables' } }),
        'request.op',
      ],
      [
        () =>
          parseParentMessage({
            type: 'request',
            id: -1,
            request: { op: 'close_room', roomId: 'r' },
          }),
        'id',
      ],
      [
        () =>
          parseParentMessage({
            type: 'request',
            id: 1,
            request: { op: 'join', roomId: 'r', participantId: 'x'.repeat(129) },
          }),
        'request.participantId',
      ],
      [
        () =>
          parseWorkerMessage({
            type: 'response',
            id: 1,
            result: { answerSdp: 'x'.repeat(70_000) },
          }),
        'result.answerSdp',
      ],
      [
        () => parseWorkerMessage({ type: 'event', event: { type: 'active_speaker', roomId: 'r' } }),
        'event.participantId',
      ],
      [() => parseWorkerMessage('ready'), '(root)'],
    ];
    for (const [parse, path] of cases) {
      let caught: unknown;
      try {
        parse();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(SfuIpcError);
      expect((caught as SfuIpcError).code).toBe('sfu_ipc_malformed');
      expect((caught as SfuIpcError).issues.some((issue) => issue.startsWith(path))).toBe(true);
    }
  });

  it('refuses to send a message over the size limit', () => {
    const huge = {
      type: 'inspection' as const,
      records: [],
      droppedCount: 0,
      pad: 'x'.repeat(MAX_IPC_MESSAGE_BYTES),
    };
    expect(() => assertSendable(huge)).toThrow(
      expect.objectContaining({ code: 'sfu_ipc_too_large' }),
    );
  });

  it('has the worker refuse a malformed message and go on working', async () => {
    const child = fork(builtWorkerEntry(), [], {
      execArgv: [],
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    cleanups.push(() => {
      child.kill('SIGKILL');
    });
    const messages: unknown[] = [];
    child.on('message', (message) => messages.push(message));
    child.send({ type: 'request', id: 1, request: { op: 'explode' } });
    child.send('not even an object');
    await waitFor('two refusals', () => messages.length >= 2);
    expect(messages).toEqual([
      {
        type: 'refused',
        code: 'sfu_ipc_malformed',
        // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- vitest's matchers are typed any
        issues: expect.arrayContaining([expect.stringContaining('request.op')]),
      },
      { type: 'refused', code: 'sfu_ipc_malformed', issues: ['(root): invalid_type'] },
    ]);
    child.send({ type: 'configure', config: CONFIG });
    child.send({ type: 'request', id: 7, request: { op: 'create_room', roomId: 'r' } });
    await waitFor('ready and an answer', () => messages.length >= 4);
    expect(messages.slice(2)).toEqual([{ type: 'ready' }, { type: 'response', id: 7, result: {} }]);
    expect(child.exitCode).toBeNull();
  });

  it('has the pool drop a malformed message from a worker, log it and time the request out', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'amtsbote-sfu-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    const entryPath = join(directory, 'garbling-worker.mjs');
    await writeFile(entryPath, GARBLING_WORKER);
    const logger = memoryLogger();
    const pool = await startTestPool({
      workerCount: 1,
      logger,
      requestTimeoutMs: 500,
      entryPath,
    });
    cleanups.push(() => pool.close());
    await expect(pool.createRoom(asRoomId('r'))).rejects.toMatchObject({
      code: 'sfu_worker_timeout',
    });
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', message: 'malformed message from SFU worker' }),
    );
    expect(pool.workerPids[0]).not.toBeNull();
  });

  it('has the pool log a fault the worker caught, with where it happened', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'amtsbote-sfu-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    const entryPath = join(directory, 'faulting-worker.mjs');
    await writeFile(entryPath, FAULTING_WORKER);
    const logger = memoryLogger();
    const pool = await startTestPool({ workerCount: 1, logger, entryPath });
    cleanups.push(() => pool.close());
    await waitFor('the fault logged', () => logger.lines.some((line) => line.level === 'error'));
    expect(logger.lines).toContainEqual({
      level: 'error',
      message: 'SFU worker caught an error in a media handler; the connection goes on',
      fields: {
        pid: pool.workerPids[0],
        roomId: 'r',
        participantId: 'p',
        role: 'publisher',
        context: 'receive_rtp',
        error: 'TypeError: x',
        count: 3,
      },
    });
  });
});
