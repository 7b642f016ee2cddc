import {
  createCommit,
  decodeMlsMessage,
  defaultCapabilities,
  defaultLifetime,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  type KeyPackage,
  type Proposal,
} from 'ts-mls';
import { defaultClientConfig } from 'ts-mls/clientConfig.js';
import { describe, expect, it } from 'vitest';
import { MLS_CIPHERSUITES, loadCiphersuite } from './ciphersuite.js';
import { createDeviceCredential, encodeDeviceCredential } from './device-credential.js';
import { generateDeviceSignatureKeyPair, type Device } from './device.js';
import { joinFromWelcome } from './group-join.js';
import { decodeGroupStateBytes } from './group-state-codec.js';
import { generateIdentityKey } from './identity-key.js';
import type { MlsGroup } from './mls-group.js';
import {
  TEST_ORGANIZATION_ID,
  groupOf,
  keyPackageOf,
  newClient,
  newUser,
  type TestClient,
} from './test-fixtures.js';

const CLASSIC = MLS_CIPHERSUITES.classic;

/** A key package whose leaf carries the given credential bytes and signature key. */
async function craftedKeyPackage(identity: Uint8Array, signer: Device): Promise<Uint8Array> {
  const cs = await loadCiphersuite(CLASSIC);
  const { publicPackage } = await generateKeyPackageWithKey(
    { credentialType: 'basic', identity },
    defaultCapabilities(),
    defaultLifetime,
    [],
    { signKey: signer.signaturePrivateKey, publicKey: signer.signaturePublicKey },
    cs,
  );
  return encodeMlsMessage({
    version: 'mls10',
    wireformat: 'mls_key_package',
    keyPackage: publicPackage,
  });
}

function forgedDeviceOf(client: TestClient): TestClient {
  return newClient(client.user, { identityKey: generateIdentityKey() });
}

describe('MLS group trust: identity keys', () => {
  it('has other members reject a commit adding a device signed by another key than they pinned', async () => {
    const [alice, carol] = [newClient(), newClient()];
    const bob = newClient();
    await carol.pins.pin(bob.user.userId, bob.user.identityKey.publicKey);
    const [aliceGroup, carolGroup] = await groupOf(CLASSIC, [alice, carol]);
    // Alice has never met Bob, so she trusts the forged key on first use and commits.
    const forged = forgedDeviceOf(bob);
    const add = await aliceGroup!.commitAdd([await keyPackageOf(forged, CLASSIC)]);
    await expect(carolGroup!.process(add.commit)).rejects.toMatchObject({
      code: 'member_rejected',
      rejections: [{ reason: 'identity_key_changed', userId: bob.user.userId }],
    });
    expect(carol.keyChanges).toEqual([
      {
        userId: bob.user.userId,
        pinnedKey: bob.user.identityKey.publicKey,
        presentedKey: forged.device.credential.identityPublicKey,
      },
    ]);
    expect(await carol.pins.get(bob.user.userId)).toEqual(bob.user.identityKey.publicKey);
    expect(carolGroup!.epoch).toBe(1);
  });

  it('refuses to commit an add of a device whose identity key differs from the pin', async () => {
    const alice = newClient();
    const bob = newClient();
    await alice.pins.pin(bob.user.userId, bob.user.identityKey.publicKey);
    const [group] = await groupOf(CLASSIC, [alice]);
    await expect(
      group!.commitAdd([await keyPackageOf(forgedDeviceOf(bob), CLASSIC)]),
    ).rejects.toMatchObject({ code: 'member_rejected' });
    expect(alice.keyChanges).toHaveLength(1);
  });

  it('pins every member’s identity key on first contact when joining, and nothing on failure', async () => {
    const [alice, carol, bob] = [newClient(), newClient(), newClient()];
    const [group] = await groupOf(CLASSIC, [alice, carol]);
    const add = await group!.commitAdd([await keyPackageOf(bob, CLASSIC)]);
    const welcome = {
      welcome: add.welcome,
      keyPackages: bob.keyPackages,
      device: bob.device,
      authService: bob.auth,
    };
    await expect(
      joinFromWelcome({ ...welcome, ratchetTree: add.ratchetTree.subarray(1) }),
    ).rejects.toMatchObject({ code: 'malformed_message' });
    expect(await bob.pins.get(alice.user.userId)).toBeNull();
    await joinFromWelcome({ ...welcome, ratchetTree: add.ratchetTree });
    expect(await bob.pins.get(alice.user.userId)).toEqual(alice.user.identityKey.publicKey);
    expect(await bob.pins.get(carol.user.userId)).toEqual(carol.user.identityKey.publicKey);
  });

  it('refuses a Welcome into a group where a member shows another key than pinned', async () => {
    const [alice, bob] = [newClient(), newClient()];
    const staleKey = generateIdentityKey().publicKey;
    await bob.pins.pin(alice.user.userId, staleKey);
    const [group] = await groupOf(CLASSIC, [alice]);
    const add = await group!.commitAdd([await keyPackageOf(bob, CLASSIC)]);
    await expect(
      joinFromWelcome({
        welcome: add.welcome,
        ratchetTree: add.ratchetTree,
        keyPackages: bob.keyPackages,
        device: bob.device,
        authService: bob.auth,
      }),
    ).rejects.toMatchObject({ code: 'member_rejected' });
    expect(bob.keyChanges.map((c) => c.userId)).toContain(alice.user.userId);
    expect(bob.keyPackages.size).toBe(1);
  });
});

describe('MLS group trust: credentials', () => {
  it.each([
    ['of another organization', 'wrong_organization'],
    ['for another leaf signature key', 'signature_key_mismatch'],
    ['with a tampered signature', 'invalid_signature'],
    ['of garbage bytes', 'malformed_credential'],
  ] as const)(
    'refuses a credential %s, and so do members when a member commits it without checking',
    async (_case, reason) => {
      const [aliceGroup, bobGroup] = await groupOf(CLASSIC, [newClient(), newClient()]);
      const keyPackage = await badKeyPackage(reason);
      await expect(aliceGroup!.commitAdd([keyPackage])).rejects.toMatchObject({
        code: 'member_rejected',
        rejections: [{ reason }],
      });
      const commit = await commitIgnoringChecks(aliceGroup!, [
        { proposalType: 'add', add: { keyPackage: decodeKeyPackage(keyPackage) } },
      ]);
      await expect(bobGroup!.process(commit)).rejects.toMatchObject({
        code: 'member_rejected',
        rejections: [{ reason }],
      });
    },
  );

  it('has members refuse a commit with proposals other than add and remove', async () => {
    const [aliceGroup, bobGroup] = await groupOf(CLASSIC, [newClient(), newClient()]);
    const commit = await commitIgnoringChecks(aliceGroup!, [
      { proposalType: 'group_context_extensions', groupContextExtensions: { extensions: [] } },
    ]);
    await expect(bobGroup!.process(commit)).rejects.toMatchObject({ code: 'commit_refused' });
  });
});

/** Key packages that a correct client refuses, one per refusal reason. */
async function badKeyPackage(
  reason:
    'wrong_organization' | 'signature_key_mismatch' | 'invalid_signature' | 'malformed_credential',
): Promise<Uint8Array> {
  const bob = newClient();
  switch (reason) {
    case 'wrong_organization': {
      const outsider = newClient(newUser(), {
        organizationId: '11111111-2222-4333-8444-555555555555',
      });
      return keyPackageOf(outsider, CLASSIC);
    }
    case 'signature_key_mismatch': {
      const credential = createDeviceCredential(bob.user.identityKey, {
        organizationId: TEST_ORGANIZATION_ID,
        userId: bob.user.userId,
        deviceId: crypto.randomUUID(),
        signaturePublicKey: generateDeviceSignatureKeyPair().publicKey,
      });
      return craftedKeyPackage(encodeDeviceCredential(credential), bob.device);
    }
    case 'invalid_signature': {
      const signature = bob.device.credential.signature.slice();
      signature[5] = (signature[5] ?? 0) ^ 1;
      const tampered = encodeDeviceCredential({ ...bob.device.credential, signature });
      return craftedKeyPackage(tampered, bob.device);
    }
    case 'malformed_credential':
      return craftedKeyPackage(new TextEncoder().encode('bob'), bob.device);
  }
}

function decodeKeyPackage(bytes: Uint8Array): KeyPackage {
  const message = decodeMlsMessage(bytes, 0)?.[0];
  if (message?.wireformat !== 'mls_key_package') throw new Error('not a key package');
  return message.keyPackage;
}

/** What a modified client could send: a commit made without any credential check. */
async function commitIgnoringChecks(group: MlsGroup, proposals: Proposal[]): Promise<Uint8Array> {
  const state = decodeGroupStateBytes(group.export());
  const { commit } = await createCommit(
    {
      state: { ...state, clientConfig: { ...defaultClientConfig, authService: acceptEverything } },
      cipherSuite: await loadCiphersuite(CLASSIC),
    },
    { extraProposals: proposals },
  );
  return encodeMlsMessage(commit);
}

const acceptEverything = { validateCredential: (): Promise<boolean> => Promise.resolve(true) };
