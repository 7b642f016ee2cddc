import { messageContentSchema, type MessageContent } from '@amtsbote/protocol';
import { describe, expect, it } from 'vitest';
import { intentOf } from './message-intent.js';

describe('intentOf', () => {
  it('declares acknowledgements, read markers and reactions responses, everything else a post', () => {
    const target = '6f1c8e5e-4b8a-4d8e-9a3b-6f2d1c0b9a87';
    const contents: MessageContent[] = [
      { type: 'text', text: 'Hallo' },
      { type: 'edit', target, text: 'Hallo!' },
      { type: 'delete', target },
      { type: 'metadata', name: 'Kanal', topic: null },
      { type: 'acknowledge', target },
      { type: 'read', upTo: target },
      { type: 'reaction', target, emoji: '👍' },
    ].map((c) => messageContentSchema.parse(c));
    expect(contents.map((c) => [c.type, intentOf(c)])).toEqual([
      ['text', 'post'],
      ['edit', 'post'],
      ['delete', 'post'],
      ['metadata', 'post'],
      ['acknowledge', 'response'],
      ['read', 'response'],
      ['reaction', 'response'],
    ]);
  });
});
