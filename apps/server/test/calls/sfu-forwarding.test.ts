import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectionRecord } from '../../src/calls/sfu/ipc.js';
import type { WorkerPool } from '../../src/calls/sfu/pool/worker-pool.js';
import { asParticipantId, asRoomId, type SfuEvent } from '../../src/calls/sfu/sfu.js';
import { startTestPool, waitFor } from './support/sfu-fixture.js';
import { TestParticipant } from './support/test-participant.js';

const roomId = asRoomId('room-forwarding');

describe('werift SFU forwarding', () => {
  let pool: WorkerPool;
  const events: SfuEvent[] = [];
  const inspected: InspectionRecord[] = [];
  let participants: TestParticipant[] = [];

  beforeAll(async () => {
    pool = await startTestPool({
      workerCount: 1,
      onInspection: (records) => inspected.push(...records),
    });
    pool.onEvent((event) => events.push(event));
    await pool.createRoom(roomId);
    participants = ['p1', 'p2', 'p3'].map(
      (id) => new TestParticipant(pool, roomId, asParticipantId(id)),
    );
    for (const participant of participants) await participant.join();
    await Promise.all(participants.map((participant) => participant.publish()));
    await waitFor('video and audio from every other participant', () =>
      participants.every((receiver) =>
        participants
          .filter((publisher) => publisher !== receiver)
          .every(
            (publisher) =>
              receiver.receivedFrom(publisher.id, 'video').length > 20 &&
              receiver.receivedFrom(publisher.id, 'audio').length > 20,
          ),
      ),
    );
  });

  afterAll(async () => {
    await Promise.all(participants.map((participant) => participant.close()));
    await pool.close();
  });

  it('forwards every payload byte for byte, video at the high layer by default', () => {
    for (const receiver of participants) {
      for (const publisher of participants.filter((p) => p !== receiver)) {
        const video = receiver.receivedFrom(publisher.id, 'video');
        expect(video.every((r) => publisher.sentVideo.h.has(r.payload))).toBe(true);
        const audio = receiver.receivedFrom(publisher.id, 'audio');
        expect(audio.every((r) => publisher.sentAudio.has(r.payload))).toBe(true);
      }
      expect(receiver.receivedFrom(receiver.id, 'video')).toEqual([]);
    }
  });

  it('reports every forwarded payload to the inspection hook, unchanged', () => {
    expect(inspected.length).toBeGreaterThan(100);
    const byId = new Map(participants.map((p) => [p.id as string, p]));
    for (const record of inspected) {
      const publisher = byId.get(record.publisherId);
      const sent =
        record.kind === 'audio'
          ? publisher?.sentAudio.has(record.payload)
          : publisher?.sentVideo.h.has(record.payload) === true ||
            publisher?.sentVideo.l.has(record.payload) === true;
      expect(sent).toBe(true);
    }
  });

  it('sends the low layer to a subscriber whose view is small, switching at a keyframe', async () => {
    const [p1, p2] = participants as [TestParticipant, TestParticipant];
    const plisBefore = p1.pliCount.l;
    await pool.setLayerPreference(roomId, p2.id, p1.id, {
      maxWidth: 320,
      maxHeight: 180,
      bandwidthBps: null,
    });
    await waitFor('a PLI for the low layer', () => p1.pliCount.l > plisBefore);
    const fromLow = (): number =>
      p2.receivedFrom(p1.id, 'video').filter((r) => p1.sentVideo.l.has(r.payload)).length;
    await waitFor('low-layer packets', () => fromLow() > 10);
    const marker = p2.receivedFrom(p1.id, 'video').length;
    await waitFor('more packets', () => p2.receivedFrom(p1.id, 'video').length > marker + 20);
    const recent = p2.receivedFrom(p1.id, 'video').slice(marker);
    expect(recent.every((r) => p1.sentVideo.l.has(r.payload))).toBe(true);
    // p3 did not ask: it still receives the high layer.
    const p3 = participants[2] as TestParticipant;
    const p3Recent = p3.receivedFrom(p1.id, 'video').slice(-10);
    expect(p3Recent.every((r) => p1.sentVideo.h.has(r.payload))).toBe(true);
  });

  it('chooses a lower layer when the bandwidth is too small for the view', async () => {
    const [, p2, p3] = participants as [TestParticipant, TestParticipant, TestParticipant];
    await pool.setLayerPreference(roomId, p3.id, p2.id, {
      maxWidth: 1280,
      maxHeight: 720,
      bandwidthBps: 300_000,
    });
    const marker = p3.receivedFrom(p2.id, 'video').length;
    await waitFor(
      'low-layer packets',
      () =>
        p3
          .receivedFrom(p2.id, 'video')
          .slice(marker)
          .filter((r) => p2.sentVideo.l.has(r.payload)).length > 10,
    );
  });

  it("passes a subscriber's PLI on to the publisher", async () => {
    const [p1, , p3] = participants as [TestParticipant, TestParticipant, TestParticipant];
    await new Promise((resolve) => setTimeout(resolve, 400)); // past the keyframe-request interval
    const before = p1.pliCount.h;
    await p3.requestKeyframe(p1.id);
    await waitFor('a PLI at the publisher', () => p1.pliCount.h > before, 5000);
  });

  it('makes the loudest participant the active speaker, with hysteresis', async () => {
    const [p1, p2, p3] = participants as [TestParticipant, TestParticipant, TestParticipant];
    const speakerEvents = (): SfuEvent[] => events.filter((e) => e.type === 'active_speaker');
    p2.audioLevel = 10;
    p1.audioLevel = 110;
    p3.audioLevel = 110;
    await waitFor(
      'p2 speaking',
      () => speakerEvents().at(-1)?.type === 'active_speaker' && lastSpeaker() === 'p2',
    );
    p1.audioLevel = 5;
    p2.audioLevel = 120;
    await waitFor('p1 speaking', () => lastSpeaker() === 'p1');
    function lastSpeaker(): string | null | undefined {
      const last = speakerEvents().at(-1);
      return last?.type === 'active_speaker' ? last.participantId : undefined;
    }
  });

  it('reports mute changes and stops forwarding a muted track', async () => {
    const [p1, p2] = participants as [TestParticipant, TestParticipant];
    await pool.setMuted(roomId, p1.id, 'audio', true);
    expect(events.at(-1)).toMatchObject({
      type: 'mute_changed',
      participantId: 'p1',
      isMuted: true,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const count = p2.receivedFrom(p1.id, 'audio').length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(p2.receivedFrom(p1.id, 'audio').length).toBe(count);
    await pool.setMuted(roomId, p1.id, 'audio', false);
    await waitFor('audio again', () => p2.receivedFrom(p1.id, 'audio').length > count + 5);
  });

  it('renegotiates when a participant leaves', async () => {
    const p3 = participants[2] as TestParticipant;
    const offersBefore = events.filter((e) => e.type === 'subscriber_offer').length;
    const [p1, p2] = participants as [TestParticipant, TestParticipant];
    const answered = [p1.answeredOffers, p2.answeredOffers];
    await pool.leave(roomId, p3.id);
    await waitFor('new offers without p3', () => {
      const offers = events.filter((e) => e.type === 'subscriber_offer').slice(offersBefore);
      return (
        offers.length >= 2 &&
        offers.every(
          (o) => o.type === 'subscriber_offer' && o.tracks.every((t) => t.publisherId !== 'p3'),
        )
      );
    });
    await waitFor(
      'answers applied',
      () => p1.answeredOffers > answered[0]! && p2.answeredOffers > answered[1]!,
    );
    expect(participants.flatMap((p) => p.errors)).toEqual([]);
  });
});
