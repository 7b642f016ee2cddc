import type { TimelineItem } from '@amtsbote/client';
import { base64urlEncode } from '@amtsbote/crypto';
import type { SyncEvent } from '@amtsbote/protocol';
import { z } from 'zod';
import { adminCommandSchema, runAdminCommand } from '../../src/admin/admin-commands.js';
import { asBytes } from '../../src/messaging/bytes.js';
import { call } from '../sessions/identity-fixtures.js';
import type { TestServer } from '../support/test-server.js';
import { ORG, eventually, type Person, type TestDevice } from './client-fixtures.js';

/* Helpers of the roster suites (ADR 0008): revoking, disabling, the stored log, timelines. */

export type MembershipItem = Extract<TimelineItem, { kind: 'membership' }>;

/** The device revokes another device of its user (`POST /api/me/devices/:id/revoke`). */
export async function revokeDevice(
  server: TestServer,
  by: TestDevice,
  deviceId: string,
): Promise<void> {
  await call(server, by.grant.token, 'POST', `/api/me/devices/${deviceId}/revoke`, z.null());
}

/** The operator disables the user, as `amtsbote admin disable-user` does. */
export async function disableUser(server: TestServer, person: Person): Promise<void> {
  await runAdminCommand(
    server.handle.identity,
    adminCommandSchema.parse({ command: 'disable-user', org: ORG, username: person.username }),
  );
}

/**
 * The conversation's stored log after a seq, as sync would deliver it: what a device that the
 * server no longer serves could still be handed by anyone who has the ciphertext.
 */
export async function storedEvents(
  server: TestServer,
  conversationId: string,
  afterSeq: number,
): Promise<SyncEvent[]> {
  const rows = await server.handle.storage.db
    .selectFrom('conversation_events')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .execute();
  return rows.map((row) => ({
    type: row.type,
    conversationId: row.conversation_id,
    seq: row.seq,
    epoch: row.epoch,
    senderDeviceId: row.sender_device_id,
    messageId: row.message_id,
    intent: row.intent,
    sentAt: row.sent_at.toISOString(),
    data: base64urlEncode(asBytes(row.data)),
    ratchetTree: null,
  }));
}

export async function membershipItems(
  device: TestDevice,
  conversationId: string,
): Promise<MembershipItem[]> {
  return (await device.client.timeline(conversationId)).filter(
    (item): item is MembershipItem => item.kind === 'membership',
  );
}

/** Waits until the device's group for the conversation holds exactly these devices. */
export async function groupDevicesAre(
  device: TestDevice,
  conversationId: string,
  deviceIds: readonly string[],
): Promise<{ epoch: number }> {
  const expected = [...deviceIds].sort();
  const summary = await eventually(
    () => device.client.conversation(conversationId),
    (s) =>
      s !== null &&
      JSON.stringify(s.members.map((m) => m.deviceId).sort()) === JSON.stringify(expected),
    `the group on ${device.grant.user.username}'s device to be ${expected.join(', ')}`,
  );
  return { epoch: summary?.epoch ?? -1 };
}

/** The texts of a timeline, whatever their sender. */
export function textsIn(timeline: readonly TimelineItem[]): string[] {
  return timeline.flatMap((item) =>
    item.kind === 'message' && item.content?.type === 'text' ? [item.content.text] : [],
  );
}
