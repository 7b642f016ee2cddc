import { describe, expect, it } from 'vitest';
import {
  ContentError,
  TYPING_EXPIRY_MS,
  TYPING_REFRESH_MS,
  decodeApplicationPayload,
  decodeEphemeralPayload,
  encodeApplicationPayload,
  encodeEphemeralPayload,
} from './content.js';

const sentAt = '2026-11-23T10:00:00.000Z';
const bytesOf = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

describe('ephemeral payload', () => {
  it('round-trips a typing indicator', () => {
    const bytes = encodeEphemeralPayload({
      v: 1,
      sentAt,
      content: { type: 'typing', isTyping: true },
    });
    expect(decodeEphemeralPayload(bytes)).toEqual({
      v: 1,
      sentAt,
      content: { type: 'typing', isTyping: true },
    });
  });

  it('refuses unknown types, missing fields, extra fields and non-JSON', () => {
    const refused = [
      bytesOf({ v: 1, sentAt, content: { type: 'typing' } }),
      bytesOf({ v: 1, sentAt, content: { type: 'typing', isTyping: 'yes' } }),
      bytesOf({ v: 1, sentAt, content: { type: 'presence', isOnline: true } }),
      bytesOf({ v: 2, sentAt, content: { type: 'typing', isTyping: true } }),
      bytesOf({ v: 1, sentAt, content: { type: 'typing', isTyping: true }, extra: 1 }),
      new Uint8Array([0xff, 0xfe]),
    ];
    for (const bytes of refused) expect(() => decodeEphemeralPayload(bytes)).toThrow(ContentError);
  });

  it('cannot pass for an application payload, nor the reverse', () => {
    const ephemeral = encodeEphemeralPayload({
      v: 1,
      sentAt,
      content: { type: 'typing', isTyping: false },
    });
    expect(() => decodeApplicationPayload(ephemeral)).toThrow(ContentError);
    const stored = encodeApplicationPayload({
      v: 1,
      messageId: '6f1c8e5e-4b8a-4d8e-9a3b-6f2d1c0b9a87',
      sentAt,
      content: { type: 'text', text: 'Hallo' },
    });
    expect(() => decodeEphemeralPayload(stored)).toThrow(ContentError);
  });

  it('refreshes typing well within its expiry', () => {
    expect(TYPING_REFRESH_MS * 2).toBeLessThanOrEqual(TYPING_EXPIRY_MS);
  });
});
