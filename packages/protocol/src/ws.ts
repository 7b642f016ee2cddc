import { z } from 'zod';
import { secretTokenSchema } from './identity.js';

/** WebSocket close codes. 1000-1015 are defined by RFC 6455; 4000-4999 are ours. */
export const WS_CLOSE = {
  normal: 1000,
  goingAway: 1001,
  policyViolation: 1008,
  messageTooBig: 1009,
  protocolMismatch: 4000,
  unauthenticated: 4001,
  sessionEnded: 4002,
  deviceRevoked: 4003,
  userDisabled: 4004,
  helloTimeout: 4005,
} as const;
export type WsCloseCode = (typeof WS_CLOSE)[keyof typeof WS_CLOSE];

/** Largest frame a client may send before authentication completes. */
export const WS_MAX_HELLO_BYTES = 1024;

export const wsHelloSchema = z.strictObject({
  type: z.literal('hello'),
  protocolVersion: z.number().int().min(0).max(65535),
  token: secretTokenSchema,
});
export type WsHello = z.infer<typeof wsHelloSchema>;

export const wsWelcomeSchema = z.object({
  type: z.literal('welcome'),
  protocolVersion: z.number().int(),
  sessionId: z.uuid(),
  deviceId: z.uuid(),
});
export type WsWelcome = z.infer<typeof wsWelcomeSchema>;

export const WS_REJECT_REASONS = ['client_too_old', 'client_too_new', 'unauthenticated'] as const;
export type WsRejectReason = (typeof WS_REJECT_REASONS)[number];

export const wsRejectSchema = z.object({
  type: z.literal('reject'),
  reason: z.enum(WS_REJECT_REASONS),
});
export type WsReject = z.infer<typeof wsRejectSchema>;

export const wsServerMessageSchema = z.discriminatedUnion('type', [
  wsWelcomeSchema,
  wsRejectSchema,
]);
export type WsServerMessage = z.infer<typeof wsServerMessageSchema>;
