import { describe, expect, it } from 'vitest';
import { ContentError, decodeApplicationPayload, encodeApplicationPayload } from './content.js';

const base = {
  v: 1 as const,
  messageId: '6f1c8e5e-4b8a-4d8e-9a3b-6f2d1c0b9a87',
  sentAt: '2026-11-23T10:00:00.000Z',
};

describe('application payload', () => {
  it('round-trips a text with a mention, a reply and the urgent flag', () => {
    const bytes = encodeApplicationPayload({
      ...base,
      content: {
        type: 'text',
        text: '@Anna bitte bis 12 Uhr',
        mentions: [{ userId: '0b7d1a2c-3e4f-4a5b-8c6d-7e8f9a0b1c2d', start: 0, length: 5 }],
        replyTo: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
        isUrgent: true,
      },
    });
    const decoded = decodeApplicationPayload(bytes);
    expect(decoded.content).toMatchObject({ type: 'text', isUrgent: true, attachments: [] });
  });

  it('fills defaults so that a plain text needs only its text', () => {
    const decoded = decodeApplicationPayload(
      encodeApplicationPayload({ ...base, content: { type: 'text', text: 'Hallo' } }),
    );
    expect(decoded.content).toEqual({
      type: 'text',
      text: 'Hallo',
      mentions: [],
      replyTo: null,
      isUrgent: false,
      attachments: [],
    });
  });

  it('rejects bytes that are not UTF-8 JSON or not a known content with a typed error', () => {
    expect(() => decodeApplicationPayload(new Uint8Array([0xff, 0xfe]))).toThrow(ContentError);
    const unknown = new TextEncoder().encode(
      JSON.stringify({ ...base, content: { type: 'poll' } }),
    );
    expect(() => decodeApplicationPayload(unknown)).toThrow(ContentError);
    const extra = new TextEncoder().encode(
      JSON.stringify({ ...base, content: { type: 'delete', target: base.messageId, x: 1 } }),
    );
    expect(() => decodeApplicationPayload(extra)).toThrow(ContentError);
  });

  it('refuses to encode an empty text', () => {
    expect(() =>
      encodeApplicationPayload({ ...base, content: { type: 'text', text: '' } }),
    ).toThrow();
  });
});
