import { afterEach, describe, expect, it } from 'vitest';
import { asParticipantId, asRoomId, type SfuEvent } from '../../src/calls/sfu/sfu.js';
import { memoryLogger, startTestPool, waitFor } from './support/sfu-fixture.js';
import { TestParticipant } from './support/test-participant.js';

describe('SFU worker pool', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('places rooms on the worker with the fewest rooms', async () => {
    const pool = await startTestPool({ workerCount: 2 });
    cleanups.push(() => pool.close());
    for (const id of ['a', 'b', 'c', 'd']) await pool.createRoom(asRoomId(id));
    const pids = ['a', 'b', 'c', 'd'].map((id) => pool.workerPidOf(asRoomId(id)));
    expect(new Set(pids).size).toBe(2);
    expect(pids.filter((pid) => pid === pids[0])).toHaveLength(2);
  });

  it('reports the rooms of a killed worker, replaces it, and leaves the other worker alone', async () => {
    const logger = memoryLogger();
    const pool = await startTestPool({ workerCount: 2, logger });
    cleanups.push(() => pool.close());
    const events: SfuEvent[] = [];
    pool.onEvent((event) => events.push(event));
    const doomed = asRoomId('doomed');
    const survivor = asRoomId('survivor');
    await pool.createRoom(doomed);
    await pool.createRoom(survivor);
    const doomedPid = pool.workerPidOf(doomed);
    const survivorPid = pool.workerPidOf(survivor);
    expect(doomedPid).not.toBe(survivorPid);

    const callers = ['s1', 's2'].map(
      (id) => new TestParticipant(pool, survivor, asParticipantId(id)),
    );
    cleanups.push(async () => {
      await Promise.all(callers.map((caller) => caller.close()));
    });
    for (const caller of callers) await caller.join();
    await Promise.all(callers.map((caller) => caller.publish()));
    const [s1, s2] = callers as [TestParticipant, TestParticipant];
    await waitFor('media in the surviving room', () => s2.receivedFrom(s1.id, 'video').length > 10);

    process.kill(doomedPid!, 'SIGKILL');
    await waitFor('worker_lost', () => events.some((e) => e.type === 'worker_lost'));
    expect(events.find((e) => e.type === 'worker_lost')).toEqual({
      type: 'worker_lost',
      roomIds: [doomed],
    });
    expect(
      logger.lines.some((line) => line.level === 'error' && line.fields['signal'] === 'SIGKILL'),
    ).toBe(true);

    // A new worker took the slot; the next room goes there (it has no rooms yet).
    await waitFor('a replacement worker', () => !pool.workerPids.includes(doomedPid));
    const again = asRoomId('doomed-again');
    await pool.createRoom(again);
    expect(pool.workerPidOf(again)).not.toBe(survivorPid);
    expect(pool.workerPidOf(again)).not.toBe(doomedPid);
    await expect(pool.join(doomed, asParticipantId('late'))).rejects.toMatchObject({
      code: 'sfu_room_not_found',
    });

    // The other worker's call went on undisturbed.
    expect(pool.workerPidOf(survivor)).toBe(survivorPid);
    const count = s2.receivedFrom(s1.id, 'video').length;
    await waitFor(
      'more media in the surviving room',
      () => s2.receivedFrom(s1.id, 'video').length > count + 30,
    );
    expect(callers.flatMap((caller) => caller.errors)).toEqual([]);
  });
});
