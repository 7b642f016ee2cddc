import type { SyncEvent } from '@amtsbote/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  closeDevices,
  personWithDevice,
  startMessagingServer,
  textEvents,
  type TestDevice,
} from '../client/client-fixtures.js';
import {
  annaAndDeceivedBernd,
  failuresIn,
  groupDeviceIds,
  insertNext,
} from './malicious-fixtures.js';

/*
 * The server reorders or drops the commits in a device's log. A page merely listed out of order
 * is processed in log order. A commit placed before the one it builds on is refused as from a
 * future epoch and changes nothing; the device applies it when it comes again in the right
 * place. A dropped commit leaves the device in its epoch: what is sent in the next one shows as
 * undecryptable, never as nothing.
 */

describe('a server that reorders or drops commits', () => {
  let server: TestServer;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    server = await startMessagingServer();
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  /** Anna adds Clara (epoch 1 → 2), then Dora (epoch 2 → 3); Bernd has not synced since. */
  async function twoCommits(): Promise<
    Awaited<ReturnType<typeof annaAndDeceivedBernd>> & { clara: TestDevice; dora: TestDevice }
  > {
    const people = await annaAndDeceivedBernd(server);
    const clara = await personWithDevice(server, 'clara');
    const dora = await personWithDevice(server, 'dora');
    devices.push(people.anna, people.bernd, clara, dora);
    await people.anna.client.addMembers(people.id, [clara.client.userId]);
    await people.anna.client.addMembers(people.id, [dora.client.userId]);
    return { ...people, clara, dora };
  }

  const sortedIds = (...all: readonly TestDevice[]): string[] =>
    all.map((d) => d.client.deviceId).sort();

  it('applies commits in log order when a page lists them the other way round', async () => {
    const { anna, bernd, clara, dora, id } = await twoCommits();
    bernd.log.editNextPage((events) => [...events].reverse());

    await bernd.client.sync();

    expect(failuresIn(bernd, id)).toEqual([]);
    expect((await bernd.client.conversation(id))?.epoch).toBe(3);
    expect(await groupDeviceIds(bernd, id)).toEqual(sortedIds(anna, bernd, clara, dora));
  });

  it('refuses a commit placed before the one it builds on, and applies it in its place', async () => {
    const { anna, bernd, clara, dora, id } = await twoCommits();
    // The positions swap what they hold: the commit for epoch 2 comes first.
    bernd.log.editNextPage((events) => {
      const [first, second] = events.filter((e) => e.type === 'commit');
      const swap = (e: SyncEvent): SyncEvent =>
        e === first ? { ...second!, seq: first.seq } : e === second ? { ...first!, seq: e.seq } : e;
      return events.map(swap);
    });

    await bernd.client.sync();

    expect(failuresIn(bernd, id)).toEqual([['commit', 'future_epoch']]);
    expect((await bernd.client.conversation(id))?.epoch).toBe(2);
    expect(await groupDeviceIds(bernd, id)).toEqual(sortedIds(anna, bernd, clara));

    // The right order comes: the refused commit again, after the one it builds on.
    const refused = bernd.log.deliveredOf(id, 'commit').find((e) => e.epoch === 2);
    insertNext(bernd, id, refused!);
    await anna.client.sendText(id, 'jetzt zu viert');
    await bernd.client.sync();

    expect(failuresIn(bernd, id)).toEqual([['commit', 'future_epoch']]);
    expect((await bernd.client.conversation(id))?.epoch).toBe(3);
    expect(await groupDeviceIds(bernd, id)).toEqual(sortedIds(anna, bernd, clara, dora));
    expect(textEvents(bernd, id)).toEqual([
      { text: 'jetzt zu viert', senderUserId: anna.client.userId },
    ]);
  });

  it('shows what is sent after a dropped commit as undecryptable, not as nothing', async () => {
    const { anna, bernd, id } = await annaAndDeceivedBernd(server);
    const clara = await personWithDevice(server, 'clara');
    devices.push(anna, bernd, clara);
    await anna.client.addMembers(id, [clara.client.userId]);
    await anna.client.sendText(id, 'mit Clara');
    bernd.log.editNextPage((events) => events.filter((e) => e.type !== 'commit'));

    await bernd.client.sync();

    expect(failuresIn(bernd, id)).toEqual([['message', 'future_epoch']]);
    expect((await bernd.client.conversation(id))?.epoch).toBe(1);
    expect(await groupDeviceIds(bernd, id)).toEqual(sortedIds(anna, bernd));
    expect(textEvents(bernd, id)).toEqual([]);
    const timeline = await bernd.client.timeline(id);
    expect(timeline.filter((item) => item.kind === 'undecryptable')).toMatchObject([
      { eventType: 'message', code: 'future_epoch' },
    ]);
  });
});
