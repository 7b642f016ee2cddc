import { describe, expect, it } from 'vitest';
import { MLS_CIPHERSUITES } from './ciphersuite.js';
import {
  DeviceError,
  assembleDevice,
  decodeDevice,
  encodeDevice,
  generateDeviceSignatureKeyPair,
} from './device.js';
import { createGroup, groupIdFromConversationId, importGroup } from './group-join.js';
import { generateIdentityKey } from './identity-key.js';
import { generateKeyPackages } from './key-packages.js';
import { MLS_EXPORTER_LABELS } from './mls-group.js';
import { groupOf, keyPackageOf, newClient, newGroupId, text } from './test-fixtures.js';

describe('MLS group export and import', () => {
  it('keeps decrypting, sending and refusing replays after a round trip (X-Wing)', async () => {
    const clients = [newClient(), newClient()];
    const [alice, bob] = await groupOf(MLS_CIPHERSUITES.xwing, clients);
    const first = await alice!.encrypt(text('vor dem Export'));
    const bobRead = await bob!.process(first.bytes);

    const restored = await importGroup(bobRead.newGroup.export(), clients[1]!.auth);
    expect(restored.epoch).toBe(bobRead.newGroup.epoch);
    expect(restored.ciphersuite).toBe(MLS_CIPHERSUITES.xwing);
    expect(restored.members()).toEqual(bobRead.newGroup.members());
    expect(await restored.exporter(MLS_EXPORTER_LABELS.sframe, new Uint8Array(), 32)).toEqual(
      await alice!.exporter(MLS_EXPORTER_LABELS.sframe, new Uint8Array(), 32),
    );

    await expect(restored.process(first.bytes)).rejects.toMatchObject({ code: 'message_replayed' });
    const second = await first.newGroup.encrypt(text('nach dem Export'));
    expect(await restored.process(second.bytes)).toMatchObject({
      kind: 'application',
      plaintext: text('nach dem Export'),
    });
    const reply = await restored.encrypt(text('Antwort'));
    expect(await second.newGroup.process(reply.bytes)).toMatchObject({
      kind: 'application',
      plaintext: text('Antwort'),
    });
  });

  it('keeps the private tree keys, so an imported group processes the next commit', async () => {
    const clients = [newClient(), newClient(), newClient()];
    const [alice, bob] = await groupOf(MLS_CIPHERSUITES.classic, clients);
    const restored = await importGroup(bob!.export(), clients[1]!.auth);
    const remove = await alice!.commitRemove([clients[2]!.device.credential.deviceId]);
    const processed = await restored.process(remove.commit);
    expect(processed).toMatchObject({ kind: 'commit', newEpoch: 2 });
    const message = await remove.newGroup.encrypt(text('zu zweit'));
    expect(await processed.newGroup.process(message.bytes)).toMatchObject({ kind: 'application' });
  });

  it('refuses bytes that are not an exported group state', async () => {
    const [alice] = await groupOf(MLS_CIPHERSUITES.classic, [newClient()]);
    const exported = alice!.export();
    const auth = newClient().auth;
    for (const bytes of [
      new Uint8Array(),
      text('not a group'),
      exported.subarray(0, exported.length - 1),
      new Uint8Array([...exported, 0]),
      new Uint8Array([2, ...exported.subarray(1)]),
    ]) {
      await expect(importGroup(bytes, auth)).rejects.toMatchObject({
        code: 'invalid_group_state',
      });
    }
  });
});

describe('createGroup', () => {
  it('starts at epoch 0 with the creating device as the only member, group id from the conversation', async () => {
    const alice = newClient();
    const conversationId = crypto.randomUUID();
    const group = await createGroup({
      groupId: groupIdFromConversationId(conversationId),
      ciphersuite: MLS_CIPHERSUITES.classic,
      device: alice.device,
      authService: alice.auth,
    });
    expect(group.epoch).toBe(0);
    expect(group.groupId).toEqual(groupIdFromConversationId(conversationId));
    expect(group.members().map((m) => m.deviceId)).toEqual([alice.device.credential.deviceId]);
    expect(await alice.pins.get(alice.user.userId)).toEqual(alice.user.identityKey.publicKey);
  });

  it('refuses a group id that is not 16 bytes and a device of another organization', async () => {
    const alice = newClient();
    const base = { ciphersuite: MLS_CIPHERSUITES.classic, device: alice.device };
    await expect(
      createGroup({ ...base, groupId: new Uint8Array(15), authService: alice.auth }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    const foreign = newClient(alice.user, {
      organizationId: '11111111-2222-4333-8444-555555555555',
    });
    await expect(
      createGroup({ ...base, groupId: newGroupId(), authService: foreign.auth }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    expect(() => groupIdFromConversationId('conversation')).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
  });

  it('refuses to start with a device whose identity key differs from the one pinned for its user', async () => {
    const alice = newClient();
    await alice.pins.pin(alice.user.userId, generateIdentityKey().publicKey);
    await expect(
      createGroup({
        groupId: newGroupId(),
        ciphersuite: MLS_CIPHERSUITES.classic,
        device: alice.device,
        authService: alice.auth,
      }),
    ).rejects.toMatchObject({
      code: 'member_rejected',
      rejections: [{ reason: 'identity_key_changed', userId: alice.user.userId }],
    });
    expect(alice.keyChanges).toHaveLength(1);
  });

  it('refuses an unsupported ciphersuite', async () => {
    const alice = newClient();
    await expect(
      createGroup({
        groupId: newGroupId(),
        // A ciphersuite ts-mls knows but Amtsbote does not allow.
        ciphersuite: 2 as typeof MLS_CIPHERSUITES.classic,
        device: alice.device,
        authService: alice.auth,
      }),
    ).rejects.toMatchObject({ code: 'unsupported_ciphersuite' });
  });
});

describe('device bundle', () => {
  it('round-trips through encode and decode and still signs as the same member', async () => {
    const client = newClient();
    const restored = decodeDevice(encodeDevice(client.device));
    expect(restored).toEqual(client.device);
    const [group] = await groupOf(MLS_CIPHERSUITES.classic, [{ ...client, device: restored }]);
    expect(group!.members()[0]!.deviceId).toBe(client.device.credential.deviceId);
  });

  it('refuses a credential made for another signature key', () => {
    const client = newClient();
    expect(() =>
      assembleDevice(generateDeviceSignatureKeyPair(), client.device.credential),
    ).toThrow(DeviceError);
  });

  it('refuses malformed bundles with a typed error', () => {
    const bytes = encodeDevice(newClient().device);
    for (const bad of [new Uint8Array(), bytes.subarray(0, 40), new Uint8Array([...bytes, 1])]) {
      expect(() => decodeDevice(bad)).toThrow(expect.objectContaining({ code: 'invalid_device' }));
    }
  });
});

describe('generateKeyPackages', () => {
  it('returns the requested number of distinct key packages and stores each', async () => {
    const client = newClient();
    const packages = await generateKeyPackages(client.device, 3, {
      ciphersuite: MLS_CIPHERSUITES.xwing,
      lastResort: false,
      store: client.keyPackages,
    });
    expect(new Set(packages.map((p) => p.join(','))).size).toBe(3);
    expect(client.keyPackages.size).toBe(3);
    expect(packages.every((p) => p.length < 8 * 1024)).toBe(true);
  });

  it('refuses counts outside 1 to 100', async () => {
    const client = newClient();
    const options = {
      ciphersuite: MLS_CIPHERSUITES.classic,
      lastResort: false,
      store: client.keyPackages,
    };
    await expect(generateKeyPackages(client.device, 0, options)).rejects.toMatchObject({
      code: 'invalid_request',
    });
    await expect(generateKeyPackages(client.device, 101, options)).rejects.toMatchObject({
      code: 'invalid_request',
    });
    expect(await keyPackageOf(client, MLS_CIPHERSUITES.classic)).toBeInstanceOf(Uint8Array);
  });
});
