import { describe, expect, it } from 'vitest';
import {
  EnvelopeError,
  FRAME_KINDS,
  MAX_EPHEMERAL_PAYLOAD_BYTES,
  decodeFrame,
  encodeFrame,
} from './envelope.js';

const conversationId = '6f1c8e5e-4b8a-4d8e-9a3b-6f2d1c0b9a87';
const senderDeviceId = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';

/** A frame of the kind with this header, written by hand so that no schema stands in between. */
function rawFrame(kind: number, header: unknown, payload = new Uint8Array()): Uint8Array {
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(6 + headerBytes.length + payload.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, 1);
  view.setUint8(1, kind);
  view.setUint32(2, headerBytes.length);
  out.set(headerBytes, 6);
  out.set(payload, 6 + headerBytes.length);
  return out;
}

describe('ephemeral frames', () => {
  it('round-trip in both directions with their raw payload', () => {
    const payload = new Uint8Array([9, 0, 255, 1]);
    const sent = decodeFrame(
      encodeFrame({ kind: 'ephemeral', header: { conversationId, epoch: 4 }, payload }),
    );
    expect(sent).toEqual({ kind: 'ephemeral', header: { conversationId, epoch: 4 }, payload });
    const relayed = decodeFrame(
      encodeFrame({
        kind: 'ephemeral_event',
        header: { conversationId, senderDeviceId, epoch: 4 },
        payload,
      }),
    );
    expect(relayed).toEqual({
      kind: 'ephemeral_event',
      header: { conversationId, senderDeviceId, epoch: 4 },
      payload,
    });
  });

  it('take a payload up to 4 KiB and refuse a larger one', () => {
    const header = { conversationId, epoch: 0 };
    const largest = encodeFrame({
      kind: 'ephemeral',
      header,
      payload: new Uint8Array(MAX_EPHEMERAL_PAYLOAD_BYTES),
    });
    expect(decodeFrame(largest).payload.length).toBe(4096);
    for (const kind of ['ephemeral', 'ephemeral_event'] as const) {
      const oversized = rawFrame(
        FRAME_KINDS[kind],
        kind === 'ephemeral' ? header : { ...header, senderDeviceId },
        new Uint8Array(MAX_EPHEMERAL_PAYLOAD_BYTES + 1),
      );
      expect(() => decodeFrame(oversized)).toThrow(EnvelopeError);
    }
  });

  it('refuse headers with missing, extra or malformed fields', () => {
    const bad: [number, unknown][] = [
      [FRAME_KINDS.ephemeral, { conversationId }],
      [FRAME_KINDS.ephemeral, { conversationId: 'not-a-uuid', epoch: 0 }],
      [FRAME_KINDS.ephemeral, { conversationId, epoch: -1 }],
      [FRAME_KINDS.ephemeral, { conversationId, epoch: 1.5 }],
      // A client cannot name the sender: the server sets it from the connection.
      [FRAME_KINDS.ephemeral, { conversationId, epoch: 0, senderDeviceId }],
      [FRAME_KINDS.ephemeral_event, { conversationId, epoch: 0 }],
      [FRAME_KINDS.ephemeral_event, { conversationId, senderDeviceId, epoch: 0, seq: 3 }],
    ];
    for (const [kind, header] of bad) {
      expect(() => decodeFrame(rawFrame(kind, header, new Uint8Array([1])))).toThrow(EnvelopeError);
    }
  });

  it('use kind bytes of their own', () => {
    const bytes = Object.values(FRAME_KINDS);
    expect(new Set(bytes).size).toBe(bytes.length);
    expect(FRAME_KINDS.ephemeral).not.toBe(FRAME_KINDS.ephemeral_event);
  });
});
