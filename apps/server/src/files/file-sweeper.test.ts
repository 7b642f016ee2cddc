import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { startFileSweeper, type SweepResult } from './file-sweeper.js';

const INTERVAL_MS = 10;

function capturingLogger(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      raw.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = pino({ level: 'debug' }, destination);
  return {
    logger,
    lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

async function until(isDone: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!isDone()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}

describe('startFileSweeper', () => {
  it('sweeps at the clock’s time and logs the counts', async () => {
    const clock = new ManualClock();
    const { logger, lines } = capturingLogger();
    const times: Date[] = [];
    const sweeper = startFileSweeper({
      sweep: (now) => {
        times.push(now);
        return Promise.resolve({
          expiredUploads: 2,
          orphanedBlobs: 1,
          unusedFiles: 0,
          endedTransfers: 0,
        });
      },
      clock,
      logger,
      intervalMs: INTERVAL_MS,
    });
    await until(() => times.length >= 2);
    await sweeper.stop();
    expect(times[0]).toEqual(clock.now());
    expect(lines()[0]).toMatchObject({ msg: 'files swept', expiredUploads: 2, orphanedBlobs: 1 });
  });

  it('never runs two sweeps at once, and waits for the running one when stopped', async () => {
    const { logger } = capturingLogger();
    let active = 0;
    let maxActive = 0;
    let finished = 0;
    const sweeper = startFileSweeper({
      sweep: async (): Promise<SweepResult> => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await sleep(INTERVAL_MS * 5);
        active -= 1;
        finished += 1;
        return { expiredUploads: 0, orphanedBlobs: 0, unusedFiles: 0, endedTransfers: 0 };
      },
      clock: new ManualClock(),
      logger,
      intervalMs: INTERVAL_MS,
    });
    await until(() => finished >= 2 && active === 1);
    await sweeper.stop();
    expect({ active, maxActive }).toEqual({ active: 0, maxActive: 1 });
    const finishedAtStop = finished;
    await sleep(INTERVAL_MS * 5);
    expect(finished).toBe(finishedAtStop);
  });

  it('logs a failing sweep and tries again at the next interval', async () => {
    const { logger, lines } = capturingLogger();
    let calls = 0;
    const sweeper = startFileSweeper({
      sweep: () => {
        calls += 1;
        return calls === 1
          ? Promise.reject(new Error('disk unavailable'))
          : Promise.resolve({
              expiredUploads: 0,
              orphanedBlobs: 0,
              unusedFiles: 0,
              endedTransfers: 0,
            });
      },
      clock: new ManualClock(),
      logger,
      intervalMs: INTERVAL_MS,
    });
    await until(() => calls >= 2);
    await sweeper.stop();
    expect(lines()[0]).toMatchObject({ level: 50, msg: 'file sweep failed' });
    expect(lines()[1]).toMatchObject({ level: 20, msg: 'files swept' });
  });
});
