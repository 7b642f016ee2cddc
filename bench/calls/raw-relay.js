/*
 * The peer of the calls benchmark: raw werift forwarding without our logic, in a process of
 * its own. One publisher connection, one connection per subscriber, every received packet
 * handed to every subscriber's sender (werift's own sequence handling), no layers, no
 * keyframe switching, no checks.
 */
import { RTCPeerConnection } from 'werift';
import { loopbackPeerConfig } from './peer-config.js';

const senders = new Set();
const subscriberPcs = new Map();
let publisherPc = null;
let requestKeyframe = () => undefined;

async function publish(offerSdp) {
  publisherPc = new RTCPeerConnection(loopbackPeerConfig());
  await publisherPc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
  const [transceiver] = publisherPc.getTransceivers();
  const track = transceiver.receiver.tracks[0];
  requestKeyframe = () => transceiver.receiver.sendRtcpPLI(track.ssrc).catch(() => undefined);
  track.onReceiveRtp.subscribe((packet) => {
    for (const sender of senders) {
      sender.sendRtp(packet.clone()).catch(() => undefined);
    }
  });
  await publisherPc.setLocalDescription(await publisherPc.createAnswer());
  return publisherPc.localDescription.sdp;
}

async function subscribe(id) {
  const pc = new RTCPeerConnection(loopbackPeerConfig());
  const transceiver = pc.addTransceiver('video', { direction: 'sendonly' });
  transceiver.sender.onPictureLossIndication.subscribe(() => requestKeyframe());
  transceiver.sender.onReady.subscribe(() => requestKeyframe());
  subscriberPcs.set(id, { pc, sender: transceiver.sender });
  await pc.setLocalDescription(await pc.createOffer());
  return pc.localDescription.sdp;
}

async function answer(id, answerSdp) {
  const { pc, sender } = subscriberPcs.get(id);
  await pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
  senders.add(sender);
}

async function close() {
  await Promise.allSettled([
    publisherPc?.close(),
    ...[...subscriberPcs.values()].map(({ pc }) => pc.close()),
  ]);
}

const handlers = { publish, subscribe, answer, close };
process.on('message', async ({ id, op, args }) => {
  try {
    process.send({ id, result: (await handlers[op](...args)) ?? null });
  } catch (error) {
    process.send({ id, error: String(error?.message ?? error) });
  }
});
process.on('disconnect', () => process.exit(0));
