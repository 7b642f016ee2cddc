import { afterEach, describe, expect, it } from 'vitest';

/*
 * Issue 6: a client must not be able to end an SFU worker (and every call on it) with what it
 * sends. werift 0.24.4 throws in its RTP router on an unknown rid and catches that itself in its
 * DTLS transport (dropping the packet); this test holds both werift and our handlers to it.
 */
import { asParticipantId, asRoomId, type SfuEvent } from '../../src/calls/sfu/sfu.js';
import { memoryLogger, startTestPool, waitFor } from './support/sfu-fixture.js';
import { TestParticipant } from './support/test-participant.js';

describe('SFU worker under malformed media', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('drops RTP with an unknown rid and other malformed packets, and forwarding goes on', async () => {
    const logger = memoryLogger();
    const pool = await startTestPool({ workerCount: 1, logger });
    cleanups.push(() => pool.close());
    const events: SfuEvent[] = [];
    pool.onEvent((event) => events.push(event));
    const roomId = asRoomId('room-malformed');
    await pool.createRoom(roomId);
    const pid = pool.workerPidOf(roomId);
    const participants = ['m1', 'm2', 'm3'].map(
      (id) => new TestParticipant(pool, roomId, asParticipantId(id)),
    );
    cleanups.push(async () => {
      await Promise.all(participants.map((participant) => participant.close()));
    });
    for (const participant of participants) await participant.join();
    await Promise.all(participants.map((participant) => participant.publish()));
    const [attacker, p2, p3] = participants as [TestParticipant, TestParticipant, TestParticipant];
    await waitFor('media between the others', () => p3.receivedFrom(p2.id, 'video').length > 10);

    await attacker.sendMalformed({ unknownRidFlood: 2000 });
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(events.filter((event) => event.type === 'worker_lost')).toEqual([]);
    expect(pool.workerPidOf(roomId)).toBe(pid);
    const counts = [
      p3.receivedFrom(p2.id, 'video').length,
      p2.receivedFrom(attacker.id, 'video').length,
    ];
    await waitFor(
      'more media, also from the sender of the bad packets',
      () =>
        p3.receivedFrom(p2.id, 'video').length > counts[0]! + 30 &&
        p2.receivedFrom(attacker.id, 'video').length > counts[1]! + 30,
    );
    expect(logger.lines.filter((line) => line.level !== 'info')).toEqual([]);
    expect(participants.flatMap((participant) => participant.errors)).toEqual([]);
  });
});
