import {
  DeviceAuthenticationService,
  InMemoryIdentityKeyPins,
  base64urlDecode,
  base64urlEncode,
  joinExternal,
  type Device,
} from '@amtsbote/crypto';
import { groupInfoResponseSchema, type SessionGrant, type SyncEvent } from '@amtsbote/protocol';
import type { TestServer } from '../support/test-server.js';

/*
 * What the server itself can make with what it holds: it stores each conversation's group info
 * (with the external public key, for external joins) and so can build an external commit for a
 * device of its own making. It has no member's keys, so it can neither sign nor decrypt as one.
 */

/** Trusts whatever it meets first: the server has no pins to keep. */
export function attackerAuth(organizationId: string): DeviceAuthenticationService {
  return new DeviceAuthenticationService({
    organizationId,
    pins: new InMemoryIdentityKeyPins(),
    onKeyChange: () => undefined,
  });
}

/** The group info and ratchet tree the server serves for external joins. */
export async function storedGroupInfo(
  server: TestServer,
  memberGrant: SessionGrant,
  conversationId: string,
): Promise<{ groupInfo: Uint8Array; ratchetTree: Uint8Array; epoch: number }> {
  const state = await server
    .api(memberGrant.token)
    .request(
      'GET',
      `/api/conversations/${conversationId}/group-info`,
      undefined,
      groupInfoResponseSchema,
    );
  if (state.groupInfo === null || state.ratchetTree === null) throw new Error('no group info');
  return {
    groupInfo: base64urlDecode(state.groupInfo),
    ratchetTree: base64urlDecode(state.ratchetTree),
    epoch: state.epoch,
  };
}

/**
 * A commit event by which the device joins the conversation, shaped like those the server
 * sends (the template gives the fields this test does not care about).
 */
export async function externalJoinEvent(
  server: TestServer,
  memberGrant: SessionGrant,
  conversationId: string,
  device: Device,
  template: SyncEvent,
): Promise<SyncEvent> {
  const { groupInfo, ratchetTree } = await storedGroupInfo(server, memberGrant, conversationId);
  const joined = await joinExternal({
    groupInfo,
    ratchetTree,
    device,
    authService: attackerAuth(device.credential.organizationId),
  });
  return {
    ...template,
    type: 'commit',
    conversationId,
    epoch: joined.epoch,
    senderDeviceId: device.credential.deviceId,
    messageId: null,
    sentAt: new Date().toISOString(),
    data: base64urlEncode(joined.commit),
    ratchetTree: null,
  };
}
