import { generateIdentityKey } from '@amtsbote/crypto';
import type { ClaimedKeyPackage } from '@amtsbote/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  closeDevices,
  newPerson,
  personWithDevice,
  signIn,
  startMessagingServer,
  textEvents,
  textsShown,
  type TestDevice,
} from '../client/client-fixtures.js';
import {
  answerNextClaim,
  claimEntryFor,
  deceivedPerson,
  deviceSignedBy,
  eventsOf,
  groupDeviceIds,
} from './malicious-fixtures.js';

/*
 * The server hands out key packages that may no longer be used: one a Welcome already consumed
 * (a replayed claim), or one whose MLS lifetime ended. A consumed one cannot be told from a
 * fresh one by the adding device; the added device refuses the Welcome, because it deleted the
 * package's private keys when it used it. An expired one the adding device refuses itself.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
const daysFromNow = (days: number): Date => new Date(Date.now() + days * DAY_MS);

describe('a server that hands out stale key packages', () => {
  let server: TestServer;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    server = await startMessagingServer();
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  it('has the device refuse a Welcome for a key package it already used', async () => {
    const anna = await deceivedPerson(server, 'anna');
    const bernd = await personWithDevice(server, 'bernd', { isLive: false });
    devices.push(anna, bernd);
    let used: readonly ClaimedKeyPackage[] = [];
    answerNextClaim(anna, (real) => {
      used = real;
      return real;
    });
    const { conversationId: first } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    await bernd.client.sync();
    expect(await bernd.client.conversation(first)).not.toBeNull();

    answerNextClaim(anna, () => used);
    const { conversationId: second } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    // Anna cannot tell: the package is genuine and within its lifetime.
    expect(await groupDeviceIds(anna, second)).toContain(bernd.client.deviceId);
    await anna.client.sendText(second, 'nur für Bernd?');
    await anna.client.sendText(first, 'hier geht es weiter');
    await bernd.client.sync();

    expect(await bernd.client.conversation(second)).toBeNull();
    const failures = eventsOf(bernd, 'decrypt_failed').filter((e) => e.conversationId === second);
    expect(failures.map((e) => [e.eventType, e.code])).toEqual([
      ['welcome', 'welcome_not_for_us'],
      ['message', 'not_in_group'],
    ]);
    expect(textEvents(bernd, second)).toEqual([]);
    expect(await textsShown(bernd, first, 1)).toEqual([
      { text: 'hier geht es weiter', senderUserId: anna.person.userId },
    ]);
  });

  it('refuses to add a device by an expired key package, and adds it by a current one', async () => {
    const anna = await deceivedPerson(server, 'anna');
    devices.push(anna);
    // Bernd's device signed in once, made its key packages, and has not been seen since: the
    // server kept one back. Its credential is genuine (his identity key, held here).
    const bernd = await newPerson(server, 'bernd');
    const otherDevice = deviceSignedBy(generateIdentityKey(), {
      organizationId: anna.grant.organization.id,
      userId: bernd.userId,
      deviceId: (await signIn(server, bernd)).device.id,
    });
    const expired = await claimEntryFor(otherDevice, {
      lifetime: { notBefore: daysFromNow(-60), notAfter: daysFromNow(-30) },
    });
    answerNextClaim(anna, () => [expired]);

    await expect(
      anna.client.createConversation({ kind: 'group', memberUserIds: [bernd.userId] }),
    ).rejects.toMatchObject({ code: 'key_package_expired' });
    const [refused] = await anna.client.listConversations();
    expect(refused).toMatchObject({ epoch: 0, members: [{ deviceId: anna.client.deviceId }] });

    // The same device by a package within its lifetime: only the lifetime was refused.
    const current = await claimEntryFor(otherDevice, {
      lifetime: { notBefore: daysFromNow(-1), notAfter: daysFromNow(30) },
    });
    answerNextClaim(anna, () => [current]);
    const { conversationId: id } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.userId],
    });
    expect(await groupDeviceIds(anna, id)).toEqual(
      [anna.client.deviceId, otherDevice.credential.deviceId].sort(),
    );
  });
});
