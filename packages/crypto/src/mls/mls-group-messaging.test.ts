import { describe, expect, it } from 'vitest';
import { MLS_CIPHERSUITES, type MlsCiphersuiteId } from './ciphersuite.js';
import { MLS_EXPORTER_LABELS, type MlsGroup } from './mls-group.js';
import {
  groupOf,
  keyPackageOf,
  newClient,
  newUser,
  readText,
  text,
  type TestClient,
} from './test-fixtures.js';

const SUITES: readonly [string, MlsCiphersuiteId][] = [
  ['X-Wing', MLS_CIPHERSUITES.xwing],
  ['classic X25519', MLS_CIPHERSUITES.classic],
];

/** Sends from groups[from] and lets every other member read it; returns the new views. */
async function deliver(groups: MlsGroup[], from: number, message: string): Promise<MlsGroup[]> {
  const sender = groups[from]!;
  const { bytes, newGroup } = await sender.encrypt(text(message));
  const next = [...groups];
  next[from] = newGroup;
  for (const [i, group] of groups.entries()) {
    if (i === from) continue;
    const result = await group.process(bytes);
    if (result.kind !== 'application') throw new Error('expected an application message');
    expect(readText(result.plaintext)).toBe(message);
    expect(result.sender.deviceId).toBe(sender.members()[sender.ownLeafIndex]!.deviceId);
    next[i] = result.newGroup;
  }
  return next;
}

describe.each(SUITES)('MLS group messaging (%s)', (_name, ciphersuite) => {
  it('lets two devices exchange messages both ways', async () => {
    let groups = await groupOf(ciphersuite, [newClient(), newClient()]);
    groups = await deliver(groups, 0, 'Guten Tag');
    groups = await deliver(groups, 1, 'Moin');
    groups = await deliver(groups, 0, 'Bis morgen');
    expect(groups.map((g) => g.epoch)).toEqual([1, 1]);
  });

  it('lets three devices exchange messages, each reading the others', async () => {
    let groups = await groupOf(ciphersuite, [newClient(), newClient(), newClient()]);
    for (let round = 0; round < 2; round++) {
      for (let from = 0; from < 3; from++) groups = await deliver(groups, from, `${round}/${from}`);
    }
  });
});

describe('MLS group members', () => {
  it('lists every device with its organization, user and device from its credential', async () => {
    const alice = newUser();
    const clients: TestClient[] = [newClient(alice), newClient(alice), newClient()];
    const [group] = await groupOf(MLS_CIPHERSUITES.classic, clients);
    expect(group!.members()).toEqual(
      clients.map((c, leafIndex) => ({
        leafIndex,
        organizationId: c.device.credential.organizationId,
        userId: c.user.userId,
        deviceId: c.device.credential.deviceId,
        identityPublicKey: c.user.identityKey.publicKey,
      })),
    );
  });

  it('names the sender of each message and carries the authenticated data', async () => {
    const clients = [newClient(), newClient()];
    const [alice, bob] = await groupOf(MLS_CIPHERSUITES.classic, clients);
    const aad = text('message-id');
    const { bytes } = await bob!.encrypt(text('hallo'), aad);
    const result = await alice!.process(bytes);
    expect(result).toMatchObject({
      kind: 'application',
      authenticatedData: aad,
      sender: { userId: clients[1]!.user.userId, deviceId: clients[1]!.device.credential.deviceId },
    });
  });

  it('leaves the old group object unchanged when encrypting returns a new one', async () => {
    const [alice, bob] = await groupOf(MLS_CIPHERSUITES.classic, [newClient(), newClient()]);
    const first = await alice!.encrypt(text('one'));
    const second = await first.newGroup.encrypt(text('two'));
    const readFirst = await bob!.process(first.bytes);
    const readSecond = await readFirst.newGroup.process(second.bytes);
    expect(readSecond).toMatchObject({ kind: 'application', plaintext: text('two') });
  });
});

describe('MLS group exporter', () => {
  it('gives every member the same secret for the same label, context and epoch', async () => {
    const [alice, bob] = await groupOf(MLS_CIPHERSUITES.classic, [newClient(), newClient()]);
    const context = text('call-1');
    const a = await alice!.exporter(MLS_EXPORTER_LABELS.sframe, context, 32);
    const b = await bob!.exporter(MLS_EXPORTER_LABELS.sframe, context, 32);
    expect(a).toHaveLength(32);
    expect(a).toEqual(b);
    expect(await alice!.exporter(MLS_EXPORTER_LABELS.sframe, text('call-2'), 32)).not.toEqual(a);
  });

  it('gives a new secret in the next epoch', async () => {
    const [alice] = await groupOf(MLS_CIPHERSUITES.classic, [newClient(), newClient()]);
    const before = await alice!.exporter(MLS_EXPORTER_LABELS.sframe, new Uint8Array(), 16);
    const carol = newClient();
    const added = await alice!.commitAdd([await keyPackageOf(carol, MLS_CIPHERSUITES.classic)]);
    const after = await added.newGroup.exporter(MLS_EXPORTER_LABELS.sframe, new Uint8Array(), 16);
    expect(after).not.toEqual(before);
  });

  it('refuses lengths outside 1 to 255 bytes', async () => {
    const [alice] = await groupOf(MLS_CIPHERSUITES.classic, [newClient()]);
    await expect(
      alice!.exporter(MLS_EXPORTER_LABELS.sframe, new Uint8Array(), 0),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(
      alice!.exporter(MLS_EXPORTER_LABELS.sframe, new Uint8Array(), 256),
    ).rejects.toMatchObject({ code: 'invalid_request' });
  });
});
