import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame } from './envelope.js';
import { conversationViewSchema } from './messaging.js';
import { leaveConversationRequestSchema } from './roster.js';

const conversationId = '6f1c3b0e-2a4d-4e8f-9b1a-0c2d3e4f5a6b';

describe('roster wire schemas', () => {
  it('carries a membership_changed notice with its conversation, and refuses one without', () => {
    const frame = {
      kind: 'notice',
      header: { type: 'membership_changed', conversationId },
      payload: new Uint8Array(),
    } as const;
    expect(decodeFrame(encodeFrame(frame))).toEqual(frame);
    const bad = encodeFrame({ ...frame, header: { type: 'membership_changed' } } as never);
    expect(() => decodeFrame(bad)).toThrow(/invalid frame header/);
  });

  it('accepts a leave with or without a successor, and nothing else', () => {
    expect(leaveConversationRequestSchema.parse({})).toEqual({});
    expect(leaveConversationRequestSchema.parse({ successorUserId: conversationId })).toEqual({
      successorUserId: conversationId,
    });
    expect(leaveConversationRequestSchema.safeParse({ successorUserId: 'x' }).success).toBe(false);
    expect(leaveConversationRequestSchema.safeParse({ reason: 'bye' }).success).toBe(false);
  });

  it('reads a conversation view of before former members as having none', () => {
    const view = conversationViewSchema.parse({
      id: conversationId,
      kind: 'group',
      ciphersuite: 1,
      epoch: 0,
      lastSeq: 0,
      createdAt: new Date(0).toISOString(),
      members: [],
      deviceIds: [],
    });
    expect(view.formerMembers).toEqual([]);
  });
});
