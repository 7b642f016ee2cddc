import { randomUUID } from 'node:crypto';
import { generateIdentityKey } from '@amtsbote/crypto';
import type { SyncEvent } from '@amtsbote/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  closeDevices,
  personWithDevice,
  startMessagingServer,
  textEvents,
  textsOf,
  textsShown,
  type TestDevice,
} from '../client/client-fixtures.js';
import { externalJoinEvent } from './attacker.js';
import {
  annaAndDeceivedBernd,
  deviceSignedBy,
  eventsOf,
  failuresIn,
  groupDeviceIds,
  insertNext,
} from './malicious-fixtures.js';

/*
 * The server puts events into a device's log again, at new positions: a commit the device
 * already applied, a message it already showed, or an external commit of its own making that
 * brings in a device the user never signed. The device applies nothing twice, shows nothing
 * twice, admits no such device, reports each refusal, and reads on.
 */

describe('a server that replays and injects handshake messages', () => {
  let server: TestServer;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    server = await startMessagingServer();
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  it.each([
    ['with its own epoch', (event: SyncEvent) => event],
    ['labelled with the current epoch', (event: SyncEvent) => ({ ...event, epoch: 2 })],
  ])('refuses a commit replayed %s, and reads on', async (_case, label) => {
    const { anna, bernd, id } = await annaAndDeceivedBernd(server);
    devices.push(anna, bernd);
    const clara = await personWithDevice(server, 'clara');
    devices.push(clara);
    await anna.client.addMembers(id, [clara.person.userId]);
    await bernd.client.sync();
    const before = await bernd.client.conversation(id);
    expect(before?.epoch).toBe(2);
    const [commit] = bernd.log.deliveredOf(id, 'commit');

    insertNext(bernd, id, label(commit!));
    await anna.client.sendText(id, 'nach der Wiederholung');
    await bernd.client.sync();

    expect(failuresIn(bernd, id)).toEqual([['commit', 'stale_epoch']]);
    expect(await bernd.client.conversation(id)).toEqual(before);
    expect(eventsOf(bernd, 'membership_changed')).toHaveLength(1);
    expect(await textsShown(bernd, id, 1)).toEqual([
      { text: 'nach der Wiederholung', senderUserId: anna.person.userId },
    ]);
  });

  it('shows a message replayed at a new position once, and reports the replay', async () => {
    const { anna, bernd, id } = await annaAndDeceivedBernd(server);
    devices.push(anna, bernd);
    await anna.client.sendText(id, 'eins');
    await bernd.client.sync();
    const [original] = bernd.log.deliveredOf(id, 'message');

    // The same message again: same bytes, same id.
    insertNext(bernd, id, original!);
    await anna.client.sendText(id, 'zwei');
    await bernd.client.sync();
    // Under a new message id: MLS knows the key was used.
    insertNext(bernd, id, { ...original!, messageId: randomUUID() });
    await anna.client.sendText(id, 'drei');
    await bernd.client.sync();

    const shown = ['eins', 'zwei', 'drei'].map((text) => ({
      text,
      senderUserId: anna.person.userId,
    }));
    expect(textsOf(await bernd.client.timeline(id))).toEqual(shown);
    expect(textEvents(bernd, id)).toEqual(shown);
    expect(failuresIn(bernd, id)).toEqual([
      ['message', 'message_replayed'],
      ['message', 'message_replayed'],
    ]);
  });

  it('admits no device the server joins by external commit without its user’s signature', async () => {
    const { anna, bernd, id } = await annaAndDeceivedBernd(server);
    devices.push(anna, bernd);
    const before = await groupDeviceIds(bernd, id);
    const forger = generateIdentityKey();
    const ghost = deviceSignedBy(forger, {
      organizationId: anna.grant.organization.id,
      userId: anna.person.userId,
    });
    const [template] = bernd.log.delivered;
    insertNext(bernd, id, await externalJoinEvent(server, anna.grant, id, ghost, template!));
    await bernd.client.sync();

    expect(failuresIn(bernd, id)).toEqual([['commit', 'member_rejected']]);
    expect(eventsOf(bernd, 'identity_key_changed')).toEqual([
      {
        type: 'identity_key_changed',
        userId: anna.person.userId,
        pinnedKey: anna.client.identityPublicKey,
        presentedKey: forger.publicKey,
      },
    ]);
    expect(await groupDeviceIds(bernd, id)).toEqual(before);
    expect((await bernd.client.conversation(id))?.epoch).toBe(1);
    await anna.client.sendText(id, 'nur wir zwei');
    await bernd.client.sync();
    expect(textEvents(bernd, id)).toEqual([
      { text: 'nur wir zwei', senderUserId: anna.person.userId },
    ]);
  });
});
