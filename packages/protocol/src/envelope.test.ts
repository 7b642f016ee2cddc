import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EnvelopeError, MAX_ENVELOPE_HEADER_BYTES, decodeFrame, encodeFrame } from './envelope.js';

const conversationId = '6f1c8e5e-4b8a-4d8e-9a3b-6f2d1c0b9a87';
const messageId = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';

describe('binary envelope', () => {
  it('round-trips a send frame with its raw payload', () => {
    const payload = new Uint8Array([0, 1, 2, 250, 255]);
    const bytes = encodeFrame({
      kind: 'send',
      header: { requestId: 7, conversationId, messageId, epoch: 3, intent: 'response' },
      payload,
    });
    const frame = decodeFrame(bytes);
    expect(frame.kind).toBe('send');
    expect(frame.header).toEqual({
      requestId: 7,
      conversationId,
      messageId,
      epoch: 3,
      intent: 'response',
    });
    expect(frame.payload).toEqual(payload);
  });

  it('rejects another version, an unknown kind, a bad header length and a bad header', () => {
    const good = encodeFrame({ kind: 'ack', header: { cursors: [] }, payload: new Uint8Array() });
    const version = good.slice();
    version[0] = 2;
    expect(() => decodeFrame(version)).toThrow(EnvelopeError);
    const kind = good.slice();
    kind[1] = 0x7f;
    expect(() => decodeFrame(kind)).toThrow(EnvelopeError);
    const length = good.slice();
    new DataView(length.buffer).setUint32(2, MAX_ENVELOPE_HEADER_BYTES + 1);
    expect(() => decodeFrame(length)).toThrow(EnvelopeError);
    const header = encodeFrame({ kind: 'ack', header: { cursors: [] }, payload: new Uint8Array() });
    header[6] = 0x5b; // '[' instead of '{'
    expect(() => decodeFrame(header)).toThrow(EnvelopeError);
  });

  it('rejects a payload on frames that carry none, and an oversized send payload', () => {
    const withPayload = encodeFrame({
      kind: 'ack',
      header: { cursors: [] },
      payload: new Uint8Array(1),
    });
    expect(() => decodeFrame(withPayload)).toThrow(EnvelopeError);
    const big = encodeFrame({
      kind: 'send',
      header: { requestId: 1, conversationId, messageId, epoch: 0, intent: 'post' },
      payload: new Uint8Array(64 * 1024 + 1),
    });
    expect(() => decodeFrame(big)).toThrow(EnvelopeError);
  });

  it('answers any random bytes with a frame or an EnvelopeError, never another error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeFrame(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(EnvelopeError);
        }
      }),
    );
  });
});
