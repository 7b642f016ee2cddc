import { describe, expect, it } from 'vitest';
import { ActiveSpeakerDetector } from './active-speaker.js';
import { AddressPolicy } from './address-policy.js';
import { KeyframeRequestLimiter } from './keyframe-requests.js';
import { chooseLayer } from './layer-choice.js';
import { RtpRewriter } from './rtp-rewriter.js';
import { isVp8KeyframeStart } from './werift/vp8-keyframe.js';

const LAYERS = [
  { rid: 'h', width: 1280, height: 720, maxBitrateBps: 1_500_000 },
  { rid: 'm', width: 640, height: 360, maxBitrateBps: 500_000 },
  { rid: 'l', width: 320, height: 180, maxBitrateBps: 150_000 },
];

describe('chooseLayer', () => {
  it('picks the smallest layer that fills the view', () => {
    expect(chooseLayer(LAYERS, { maxWidth: 300, maxHeight: 170, bandwidthBps: null })?.rid).toBe(
      'l',
    );
    expect(chooseLayer(LAYERS, { maxWidth: 400, maxHeight: 225, bandwidthBps: null })?.rid).toBe(
      'm',
    );
    expect(chooseLayer(LAYERS, { maxWidth: 1920, maxHeight: 1080, bandwidthBps: null })?.rid).toBe(
      'h',
    );
  });

  it('steps down while the layer exceeds the bandwidth, but never below the smallest', () => {
    expect(
      chooseLayer(LAYERS, { maxWidth: 1280, maxHeight: 720, bandwidthBps: 600_000 })?.rid,
    ).toBe('m');
    expect(chooseLayer(LAYERS, { maxWidth: 1280, maxHeight: 720, bandwidthBps: 10_000 })?.rid).toBe(
      'l',
    );
    expect(chooseLayer([], { maxWidth: 1, maxHeight: 1, bandwidthBps: null })).toBeNull();
  });
});

describe('ActiveSpeakerDetector', () => {
  it('names the loudest participant and switches only after the hold time', () => {
    const detector = new ActiveSpeakerDetector<string>();
    for (let t = 0; t < 500; t += 20) {
      detector.addLevel('a', 20, t);
      detector.addLevel('b', 110, t);
    }
    expect(detector.evaluate(500)).toBe('a');
    let switchedAt: number | null = null;
    for (let t = 500; t < 2000; t += 20) {
      detector.addLevel('a', 110, t);
      detector.addLevel('b', 10, t);
      if (t % 200 === 0 && switchedAt === null && detector.evaluate(t) === 'b') switchedAt = t;
    }
    // b is ahead by the margin within a few packets; the hold time (400 ms) comes on top.
    expect(switchedAt).toBeGreaterThanOrEqual(900);
    expect(switchedAt).toBeLessThanOrEqual(1400);
  });

  it('falls back to nobody when everyone is silent or stale', () => {
    const detector = new ActiveSpeakerDetector<string>();
    for (let t = 0; t < 300; t += 20) detector.addLevel('a', 10, t);
    expect(detector.evaluate(300)).toBe('a');
    expect(detector.evaluate(2000)).toBeNull();
  });
});

describe('RtpRewriter', () => {
  it('continues sequence numbers and timestamps across a source switch, wrapping around', () => {
    const rewriter = new RtpRewriter(90_000);
    expect(rewriter.rewrite(65_535, 4_294_967_000, 0)).toEqual({
      sequenceNumber: 65_535,
      timestamp: 4_294_967_000,
    });
    rewriter.switchSource(100, 50, 33);
    expect(rewriter.rewrite(100, 50, 33)).toEqual({
      sequenceNumber: 0,
      timestamp: (4_294_967_000 + 2970) % 2 ** 32,
    });
    expect(rewriter.rewrite(99, 50, 40).sequenceNumber).toBe(65_535); // a late retransmission keeps its place
    expect(rewriter.rewrite(101, 3050, 66)).toEqual({
      sequenceNumber: 1,
      timestamp: (4_294_967_000 + 5970) % 2 ** 32,
    });
  });
});

describe('AddressPolicy', () => {
  it('refuses loopback, private, link-local and unique-local addresses unless allowed', () => {
    const strict = new AddressPolicy({ allowPrivateAddresses: false, isLoopbackOnly: false });
    for (const host of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.1.1',
      '100.64.0.1',
      '::1',
      'fe80::1',
      'fd00::2',
      '::ffff:10.0.0.1',
      'abc.local',
    ]) {
      expect(strict.isAllowed(host), host).toBe(false);
    }
    for (const host of ['8.8.8.8', '2a00:1450::1', '::ffff:8.8.8.8'])
      expect(strict.isAllowed(host), host).toBe(true);
    const lenient = new AddressPolicy({ allowPrivateAddresses: true, isLoopbackOnly: false });
    expect(lenient.isAllowed('10.1.2.3')).toBe(true);
    const loopback = new AddressPolicy({ allowPrivateAddresses: false, isLoopbackOnly: true });
    expect(loopback.isAllowed('127.0.0.1')).toBe(true);
    expect(loopback.isAllowed('192.0.2.2')).toBe(false);
  });
});

describe('KeyframeRequestLimiter', () => {
  it('lets one request per stream through per interval', () => {
    const limiter = new KeyframeRequestLimiter(300);
    expect(limiter.tryRequest('a', 0)).toBe(true);
    expect(limiter.tryRequest('a', 100)).toBe(false);
    expect(limiter.tryRequest('b', 100)).toBe(true);
    expect(limiter.tryRequest('a', 300)).toBe(true);
  });
});

describe('isVp8KeyframeStart', () => {
  it('reads the payload descriptor and the inverse key-frame bit', () => {
    expect(isVp8KeyframeStart(Uint8Array.of(0x10, 0x00))).toBe(true);
    expect(isVp8KeyframeStart(Uint8Array.of(0x10, 0x01))).toBe(false);
    expect(isVp8KeyframeStart(Uint8Array.of(0x00, 0x00))).toBe(false);
    // X, I with a 15-bit picture id, L, T/K: four extension bytes before the header.
    expect(isVp8KeyframeStart(Uint8Array.of(0x90, 0xf0, 0x80, 0x01, 0x00, 0x00, 0x00))).toBe(true);
    expect(isVp8KeyframeStart(Uint8Array.of(0x90, 0x80, 0x05, 0x01))).toBe(false);
    expect(isVp8KeyframeStart(Uint8Array.of(0x90))).toBe(false);
  });
});
