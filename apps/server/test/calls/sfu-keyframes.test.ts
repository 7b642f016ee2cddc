import { afterEach, describe, expect, it } from 'vitest';
import { asParticipantId, asRoomId } from '../../src/calls/sfu/sfu.js';
import { startTestPool, waitFor } from './support/sfu-fixture.js';
import { TestParticipant } from './support/test-participant.js';

/*
 * The test publishers send a keyframe only when asked (as browsers do, no periodic keyframes),
 * so a subscriber whose keyframe request is lost would never see video unless the SFU asks again.
 */
describe('SFU keyframe requests for waiting subscribers', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('asks again until a late subscriber gets a keyframe, then stops asking', async () => {
    const pool = await startTestPool({ workerCount: 1 });
    cleanups.push(() => pool.close());
    const roomId = asRoomId('room-late-join');
    await pool.createRoom(roomId);
    const publisher = new TestParticipant(pool, roomId, asParticipantId('k1'));
    const early = new TestParticipant(pool, roomId, asParticipantId('k2'));
    const late = new TestParticipant(pool, roomId, asParticipantId('k3'));
    cleanups.push(async () => {
      await Promise.all([publisher, early, late].map((participant) => participant.close()));
    });
    await publisher.join();
    await early.join();
    await publisher.publish();
    await waitFor(
      'video at the early subscriber',
      () => early.receivedFrom(publisher.id, 'video').length > 10,
    );
    await new Promise((resolve) => setTimeout(resolve, 400)); // past the per-layer PLI interval

    // The late subscriber's first keyframe request is lost (the publisher ignores it).
    publisher.plisToIgnore = 1;
    const plisBefore = publisher.pliCount.h;
    await late.join();
    await waitFor(
      'video at the late subscriber',
      () => late.receivedFrom(publisher.id, 'video').length > 10,
      8000,
    );
    expect(publisher.pliCount.h - plisBefore).toBeGreaterThanOrEqual(2);
    expect(
      late.receivedFrom(publisher.id, 'video').every((r) => publisher.sentVideo.h.has(r.payload)),
    ).toBe(true);

    // Served: no more requests while nobody waits.
    const plisServed = publisher.pliCount.h;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(publisher.pliCount.h).toBe(plisServed);
    expect([publisher, early, late].flatMap((participant) => participant.errors)).toEqual([]);
  });
});
