/*
 * A call participant made of werift peer connections in the test process (no browser): it
 * publishes synthetic VP8 simulcast (rids h and l, keyframes at start and on PLI) and Opus with
 * RFC 6464 audio levels, answers the SFU's subscriber offers and records what it receives.
 * Payloads are random bytes, as SFrame ciphertext would look; only the VP8 payload descriptor
 * and the first payload-header byte are meaningful, as with SFrame senders (ADR 0017).
 */
import { randomBytes } from 'node:crypto';
import {
  PictureLossIndication,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RTP_EXTENSION_URI,
  RtcpPayloadSpecificFeedback,
  RtpHeader,
  RtpPacket,
  serializeAudioLevelIndication,
  useAudioLevelIndication,
  useNACK,
  usePLI,
  useSdesMid,
  useSdesRTPStreamId,
  type PeerConfig,
  type RTCRtpTransceiver,
} from 'werift';
import type {
  ParticipantId,
  RoomId,
  Sfu,
  SfuEvent,
  SimulcastLayer,
} from '../../../src/calls/sfu/sfu.js';

export const TEST_LAYERS: readonly SimulcastLayer[] = [
  { rid: 'h', width: 1280, height: 720, maxBitrateBps: 1_500_000 },
  { rid: 'l', width: 320, height: 180, maxBitrateBps: 150_000 },
];
const LAYER_SSRC = { h: 0x1111_0000, l: 0x2222_0000 } as const;
type LayerRid = keyof typeof LAYER_SSRC;
const FRAME_MS = 33;
const AUDIO_MS = 20;

export function testPeerConfig(): Partial<PeerConfig> {
  return {
    codecs: {
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/VP8',
          clockRate: 90_000,
          rtcpFeedback: [useNACK(), usePLI()],
        }),
      ],
      audio: [
        new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48_000, channels: 2 }),
      ],
    },
    headerExtensions: {
      video: [useSdesMid(), useSdesRTPStreamId()],
      audio: [useSdesMid(), useAudioLevelIndication()],
    },
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceFilterCandidatePair: (pair) =>
      pair.remoteCandidate.host === '127.0.0.1' &&
      pair.protocol.localCandidate?.host === '127.0.0.1',
  };
}

interface Received {
  readonly publisherId: ParticipantId;
  readonly kind: 'audio' | 'video';
  readonly payload: string;
}

export class TestParticipant {
  readonly id: ParticipantId;
  /** Every video payload sent, base64, by layer. */
  readonly sentVideo = { h: new Set<string>(), l: new Set<string>() };
  readonly sentAudio = new Set<string>();
  readonly received: Received[] = [];
  /** PLIs received per layer. */
  readonly pliCount = { h: 0, l: 0 };
  audioLevel = 127;
  /** PLIs still to be ignored, as if lost on the way (counted in pliCount all the same). */
  plisToIgnore = 0;
  /** Failures while answering the SFU's offers. */
  readonly errors: unknown[] = [];
  answeredOffers = 0;
  readonly #sfu: Sfu;
  readonly #roomId: RoomId;
  readonly #publisher = new RTCPeerConnection(testPeerConfig());
  #subscriber: RTCPeerConnection | null = null;
  readonly #midOwners = new Map<string, { publisherId: ParticipantId; kind: 'audio' | 'video' }>();
  readonly #subscribedTransceivers = new Set<string>();
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #keyframeWanted = { h: true, l: true };
  readonly #unsubscribe: () => void;
  #video: RTCRtpTransceiver | null = null;

  constructor(sfu: Sfu, roomId: RoomId, id: ParticipantId) {
    this.#sfu = sfu;
    this.#roomId = roomId;
    this.id = id;
    this.#unsubscribe = sfu.onEvent((event) => {
      this.#onEvent(event).catch((error: unknown) => this.errors.push(error));
    });
  }

  receivedFrom(publisherId: ParticipantId, kind: 'audio' | 'video'): Received[] {
    return this.received.filter((r) => r.publisherId === publisherId && r.kind === kind);
  }

  async join(): Promise<void> {
    await this.#sfu.join(this.#roomId, this.id);
  }

  /** Publishes video (simulcast h/l) and audio, and starts sending once connected. */
  async publish(): Promise<void> {
    const video = this.#publisher.addTransceiver('video', {
      direction: 'sendonly',
      simulcast: [
        { rid: 'h', direction: 'send' },
        { rid: 'l', direction: 'send' },
      ],
    });
    const audio = this.#publisher.addTransceiver('audio', { direction: 'sendonly' });
    await this.#publisher.setLocalDescription(await this.#publisher.createOffer());
    const offerSdp = this.#publisher.localDescription?.sdp ?? '';
    const { answerSdp } = await this.#sfu.publish({
      roomId: this.#roomId,
      participantId: this.id,
      offerSdp,
      layers: TEST_LAYERS,
    });
    await this.#publisher.setRemoteDescription({ type: 'answer', sdp: answerSdp });
    await this.#publisher.connectionStateChange.watch((state) => state === 'connected', 10_000);
    video.sender.dtlsTransport.onRtcp.subscribe((packet) => {
      if (
        packet instanceof RtcpPayloadSpecificFeedback &&
        packet.feedback instanceof PictureLossIndication
      ) {
        for (const rid of ['h', 'l'] as const) {
          if (packet.feedback.mediaSsrc === LAYER_SSRC[rid] + this.#ssrcSalt) {
            this.pliCount[rid] += 1;
            if (this.plisToIgnore > 0) this.plisToIgnore -= 1;
            else this.#keyframeWanted[rid] = true;
          }
        }
      }
    });
    this.#video = video;
    this.#startVideo(video);
    this.#startAudio(audio);
  }

  /**
   * Sends hostile packets on the publisher connection, as a malicious client could: SRTP-valid
   * RTP with an unknown rid, RTP with an SSRC the SFU never saw and an unknown payload type,
   * truncated SRTP and SRTCP, garbage, and RTCP feedback naming unknown SSRCs.
   */
  async sendMalformed(options: { readonly unknownRidFlood: number }): Promise<void> {
    const video = this.#video;
    if (video === null) throw new Error('publish first');
    const transport = video.sender.dtlsTransport;
    const extensionId = (uri: string): number =>
      video.headerExtensions.find((extension) => extension.uri === uri)?.id ?? 0;
    const midId = extensionId(RTP_EXTENSION_URI.sdesMid);
    const ridId = extensionId(RTP_EXTENSION_URI.sdesRTPStreamID);
    const payloadType = video.codecs[0]?.payloadType ?? 96;
    const keyframe = Buffer.concat([Buffer.from([0x10, 0x00]), randomBytes(100)]);
    const rtp = (ssrc: number, rid: string | null, pt = payloadType): RtpHeader =>
      new RtpHeader({
        payloadType: pt,
        ssrc,
        sequenceNumber: 7,
        timestamp: 7,
        marker: true,
        extensions: [
          { id: midId, payload: Buffer.from(video.mid ?? '0') },
          ...(rid === null ? [] : [{ id: ridId, payload: Buffer.from(rid) }]),
        ],
      });
    const raw = (bytes: Buffer): Promise<void> => transport.iceTransport.connection.send(bytes);
    for (let index = 0; index < options.unknownRidFlood; index += 1) {
      await transport.sendRtp(keyframe, rtp(0x0bad_0000 + index, `x${index % 100}`));
    }
    for (let round = 0; round < 3; round += 1) {
      await transport.sendRtp(keyframe, rtp(0x0bad_0001, 'zz'));
      await transport.sendRtp(keyframe, rtp(0x0bad_0002, ''));
      await transport.sendRtp(keyframe, rtp(0x0bad_0003, null));
      await transport.sendRtp(keyframe, rtp(0x0bad_0004, null, 111));
      await transport.sendRtp(keyframe, rtp(LAYER_SSRC.h + this.#ssrcSalt, 'l'));
      const encrypted = transport.srtp.encrypt(keyframe, rtp(0x0bad_0005, 'h'));
      await raw(encrypted.subarray(0, 14));
      await raw(encrypted.subarray(0, 4));
      await raw(Buffer.from([0x80, 0xc9]));
      await raw(Buffer.concat([Buffer.from([0x80, 0x60]), randomBytes(40)]));
      await raw(Buffer.concat([Buffer.from([0x81, 0xcd]), randomBytes(40)]));
      const rtcp = transport.srtcp.encrypt(Buffer.from([0x81, 0xce, 0x00, 0x02, 0, 0, 0, 1]));
      await raw(rtcp);
      await transport.sendRtcp([
        new RtcpPayloadSpecificFeedback({
          feedback: new PictureLossIndication({ senderSsrc: 0x0bad_0006, mediaSsrc: 0x0bad_0007 }),
        }),
      ]);
    }
  }

  /** Sends a PLI for `publisherId`'s video on the subscriber connection. */
  async requestKeyframe(publisherId: ParticipantId): Promise<void> {
    const transceiver = this.#subscriber
      ?.getTransceivers()
      .find(
        (t) =>
          t.mid !== null &&
          this.#midOwners.get(t.mid)?.publisherId === publisherId &&
          t.kind === 'video',
      );
    const ssrc = transceiver?.receiver.tracks[0]?.ssrc;
    if (transceiver === undefined || ssrc === undefined)
      throw new Error('no video of that publisher');
    await transceiver.receiver.sendRtcpPLI(ssrc);
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    this.#unsubscribe();
    await Promise.all([this.#publisher.close(), this.#subscriber?.close()]);
  }

  get #ssrcSalt(): number {
    return Number.parseInt(this.id.replace(/\D/g, '') || '0', 10) % 0x1_0000;
  }

  #startVideo(transceiver: RTCRtpTransceiver): void {
    const extensionId = (uri: string): number => {
      const found = transceiver.headerExtensions.find((extension) => extension.uri === uri);
      if (found === undefined) throw new Error(`extension ${uri} not negotiated`);
      return found.id;
    };
    const midId = extensionId(RTP_EXTENSION_URI.sdesMid);
    const ridId = extensionId(RTP_EXTENSION_URI.sdesRTPStreamID);
    const payloadType = transceiver.codecs[0]?.payloadType ?? 96;
    const mid = transceiver.mid ?? '0';
    const state = { h: { seq: 1000, ts: 5000 }, l: { seq: 30_000, ts: 90_000 } };
    const sendFrame = (rid: LayerRid): void => {
      const isKeyframe = this.#keyframeWanted[rid];
      this.#keyframeWanted[rid] = false;
      const packets = rid === 'h' ? 2 : 1;
      state[rid].ts += 3000;
      for (let index = 0; index < packets; index += 1) {
        const descriptor = index === 0 ? 0x10 : 0x00;
        const payload = Buffer.concat([
          Buffer.from([descriptor, index === 0 ? (isKeyframe ? 0x00 : 0x01) : 0xff]),
          randomBytes(rid === 'h' ? 900 : 200),
        ]);
        this.sentVideo[rid].add(payload.toString('base64'));
        state[rid].seq = (state[rid].seq + 1) % 0x1_0000;
        const header = new RtpHeader({
          payloadType,
          ssrc: LAYER_SSRC[rid] + this.#ssrcSalt,
          sequenceNumber: state[rid].seq,
          timestamp: state[rid].ts,
          marker: index === packets - 1,
          extensions: [
            { id: midId, payload: Buffer.from(mid) },
            { id: ridId, payload: Buffer.from(rid) },
          ],
        });
        transceiver.sender.dtlsTransport.sendRtp(payload, header).catch(() => undefined);
      }
    };
    this.#timers.push(
      setInterval(() => {
        sendFrame('h');
        sendFrame('l');
      }, FRAME_MS),
    );
  }

  #startAudio(transceiver: RTCRtpTransceiver): void {
    const levelId = transceiver.headerExtensions.find(
      (extension) => extension.uri === RTP_EXTENSION_URI.audioLevelIndication,
    )?.id;
    if (levelId === undefined) throw new Error('audio level not negotiated');
    let timestamp = 0;
    let sequenceNumber = 0;
    this.#timers.push(
      setInterval(() => {
        timestamp += 960;
        sequenceNumber = (sequenceNumber + 1) % 0x1_0000;
        const payload = randomBytes(60);
        this.sentAudio.add(payload.toString('base64'));
        const header = new RtpHeader({
          timestamp,
          sequenceNumber,
          extensions: [{ id: levelId, payload: serializeAudioLevelIndication(this.audioLevel) }],
        });
        transceiver.sender.sendRtp(new RtpPacket(header, payload)).catch(() => undefined);
      }, AUDIO_MS),
    );
  }

  async #onEvent(event: SfuEvent): Promise<void> {
    if (event.type !== 'subscriber_offer' || event.participantId !== this.id) return;
    for (const track of event.tracks) {
      this.#midOwners.set(track.mid, { publisherId: track.publisherId, kind: track.kind });
    }
    const subscriber = (this.#subscriber ??= new RTCPeerConnection(testPeerConfig()));
    await subscriber.setRemoteDescription({ type: 'offer', sdp: event.offerSdp });
    for (const transceiver of subscriber.getTransceivers()) {
      if (this.#subscribedTransceivers.has(transceiver.id)) continue;
      this.#subscribedTransceivers.add(transceiver.id);
      for (const track of transceiver.receiver.tracks) {
        track.onReceiveRtp.subscribe((packet) => {
          const owner = transceiver.mid === null ? undefined : this.#midOwners.get(transceiver.mid);
          if (owner === undefined) return;
          this.received.push({ ...owner, payload: packet.payload.toString('base64') });
        });
      }
    }
    await subscriber.setLocalDescription(await subscriber.createAnswer());
    await this.#sfu.answerSubscription(
      this.#roomId,
      this.id,
      subscriber.localDescription?.sdp ?? '',
    );
    this.answeredOffers += 1;
  }
}
