/*
 * A load process of the calls benchmark: werift peers on loopback, driven over IPC by the
 * benchmark. A publisher sends synthetic VP8-like RTP at 1.5 Mbit/s (30 frames/s of ~1,200-byte
 * packets); like a browser it sends a keyframe first and then only when asked (PLI), so a
 * subscriber the forwarder leaves waiting shows up as a missing first keyframe rather than being
 * rescued by a periodic one. Subscribers answer the SFU's offers, count packets and note when the
 * first keyframe arrived.
 */
import { randomBytes } from 'node:crypto';
import { RTCPeerConnection, RtpHeader, RtpPacket } from 'werift';
import { loopbackPeerConfig } from './peer-config.js';

const BITRATE_BPS = 1_500_000;
const PACKET_BYTES = 1200;
const FRAME_MS = 1000 / 30;

const publishers = new Map();
const subscribers = new Map();

function isKeyframeStart(payload) {
  return (
    payload.length > 1 &&
    (payload[0] & 0x10) !== 0 &&
    (payload[0] & 0x07) === 0 &&
    (payload[1] & 1) === 0
  );
}

async function publish(id) {
  const pc = new RTCPeerConnection(loopbackPeerConfig());
  const transceiver = pc.addTransceiver('video', { direction: 'sendonly' });
  await pc.setLocalDescription(await pc.createOffer());
  const state = { pc, transceiver, sent: 0, plis: 0, timer: null, keyframeWanted: true };
  publishers.set(id, state);
  transceiver.sender.onPictureLossIndication.subscribe(() => {
    state.plis += 1;
    state.keyframeWanted = true;
  });
  return pc.localDescription.sdp;
}

async function startSending(id, answerSdp) {
  const state = publishers.get(id);
  await state.pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
  await state.pc.connectionStateChange.watch((s) => s === 'connected', 15_000);
  const packetsPerFrame = Math.round(BITRATE_BPS / 8 / PACKET_BYTES / 30);
  let seq = 0;
  let ts = 0;
  const body = randomBytes(PACKET_BYTES);
  state.timer = setInterval(() => {
    const isKey = state.keyframeWanted;
    state.keyframeWanted = false;
    ts = (ts + 3000) >>> 0;
    for (let i = 0; i < packetsPerFrame; i += 1) {
      seq = (seq + 1) & 0xffff;
      const payload = Buffer.from(body);
      payload[0] = i === 0 ? 0x10 : 0x00;
      payload[1] = i === 0 ? (isKey ? 0x00 : 0x01) : 0xff;
      const header = new RtpHeader({
        sequenceNumber: seq,
        timestamp: ts,
        marker: i === packetsPerFrame - 1,
      });
      state.transceiver.sender.sendRtp(new RtpPacket(header, payload)).catch(() => undefined);
      state.sent += 1;
    }
  }, FRAME_MS);
}

async function answer(id, offerSdp) {
  let state = subscribers.get(id);
  if (state === undefined) {
    state = {
      pc: new RTCPeerConnection(loopbackPeerConfig()),
      received: 0,
      firstKeyframeAtMs: null,
      seen: new Set(),
    };
    subscribers.set(id, state);
  }
  await state.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
  for (const transceiver of state.pc.getTransceivers()) {
    if (state.seen.has(transceiver.id)) continue;
    state.seen.add(transceiver.id);
    for (const track of transceiver.receiver.tracks) {
      track.onReceiveRtp.subscribe((packet) => {
        state.received += 1;
        if (state.firstKeyframeAtMs === null && isKeyframeStart(packet.payload)) {
          state.firstKeyframeAtMs = Date.now();
        }
      });
    }
  }
  await state.pc.setLocalDescription(await state.pc.createAnswer());
  return state.pc.localDescription.sdp;
}

function counts() {
  return {
    sent: [...publishers.values()].reduce((sum, p) => sum + p.sent, 0),
    plis: [...publishers.values()].reduce((sum, p) => sum + p.plis, 0),
    received: Object.fromEntries([...subscribers].map(([id, s]) => [id, s.received])),
    firstKeyframeAtMs: Object.fromEntries(
      [...subscribers].map(([id, s]) => [id, s.firstKeyframeAtMs]),
    ),
    connectionStates: Object.fromEntries(
      [...subscribers].map(([id, s]) => [id, s.pc.connectionState]),
    ),
  };
}

async function close() {
  for (const p of publishers.values()) clearInterval(p.timer);
  await Promise.allSettled(
    [...publishers.values(), ...subscribers.values()].map((s) => s.pc.close()),
  );
}

const handlers = { publish, startSending, answer, counts, close };

process.on('message', async ({ id, op, args }) => {
  try {
    const result = await handlers[op](...args);
    process.send({ id, result: result ?? null });
  } catch (error) {
    process.send({ id, error: String(error?.message ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));
