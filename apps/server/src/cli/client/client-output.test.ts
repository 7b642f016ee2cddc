import type { MessagingEvent } from '@amtsbote/client';
import { describe, expect, it } from 'vitest';
import { formatEvent, printable, publicEvent, toJson } from './client-output.js';

const FILE_KEY = 'c2VocmdlaGVpbWVyU2NobHVlc3NlbERlckRhdGVpMTIz';

const fileMessage: MessagingEvent = {
  type: 'message',
  conversationId: '0b6f3a52-8a0e-4a55-9d3c-1f2f4a9b8c01',
  messageId: '5d7e9c10-2b4a-4c8e-8f31-6a2b9d0e7f12',
  sender: {
    userId: '9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d',
    deviceId: '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b',
  },
  content: {
    type: 'text',
    text: 'Bitte prüfen',
    mentions: [],
    replyTo: null,
    isUrgent: false,
    attachments: [
      {
        fileId: '7c6b5a49-3827-4165-8f4e-3d2c1b0a9f8e',
        name: 'Bescheid\u001b[2J.pdf',
        mediaType: 'application/pdf',
        sizeBytes: 1234,
        key: FILE_KEY,
      },
    ],
  },
  seq: 7,
  sentAt: '2025-03-04T09:15:00.000Z',
  isOwn: false,
};

describe('client output', () => {
  it('prints message events with their attachments but never a file key', () => {
    const json = toJson(publicEvent(fileMessage), false);
    expect(json).not.toContain(FILE_KEY);
    expect(JSON.parse(json)).toMatchObject({
      content: {
        attachments: [{ name: 'Bescheid\u001b[2J.pdf', mediaType: 'application/pdf' }],
      },
    });
    const text = formatEvent(fileMessage);
    expect(text).not.toContain(FILE_KEY);
    expect(text).toContain('Bitte prüfen\t[file 0: Bescheid\ufffd[2J.pdf, 1234 bytes]');
  });

  it('replaces control characters in names with a visible mark', () => {
    expect(printable('a\u0007b\u009bc\nd')).toBe('a\ufffdb\ufffdc\ufffdd');
    expect(printable('Prüfbericht (Entwurf).pdf')).toBe('Prüfbericht (Entwurf).pdf');
  });
});
