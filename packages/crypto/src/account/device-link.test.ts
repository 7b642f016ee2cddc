import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DEVICE_LINK_CODE_BITS,
  DeviceLinkError,
  parseDeviceLinkSecret,
} from './device-link-secret.js';
import {
  DeviceLinkRequest,
  approveDeviceLink,
  type DeviceLinkParty,
  type PendingDeviceLink,
} from './device-link.js';
import { generateUserSecrets } from './user-secrets.js';

async function newLink(party: DeviceLinkParty) {
  const request = await DeviceLinkRequest.create(party);
  const pending: PendingDeviceLink = {
    id: randomUUID(),
    deviceId: party.deviceId,
    publicKey: request.publicKey,
    codeTag: request.codeTag,
    qrTag: request.qrTag,
  };
  return { request, pending };
}

function party(userId = randomUUID(), organizationId = randomUUID()): DeviceLinkParty {
  return { organizationId, userId, deviceId: randomUUID() };
}

async function reasonOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(DeviceLinkError);
    return (error as DeviceLinkError).reason;
  }
}

describe('device link', () => {
  it('shows a code of at least 60 bits in groups, and a QR payload with the link id', async () => {
    expect(DEVICE_LINK_CODE_BITS).toBeGreaterThanOrEqual(60);
    const { request, pending } = await newLink(party());
    expect(request.code).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    expect(request.qrPayload(pending.id)).toMatch(
      new RegExp(`^amtsbote-link:1:${pending.id}:[A-Za-z0-9_-]{43}$`),
    );
    expect(parseDeviceLinkSecret(request.code.toLowerCase())).toMatchObject({ kind: 'code' });
    expect(parseDeviceLinkSecret(request.qrPayload(pending.id))).toMatchObject({
      kind: 'qr',
      linkId: pending.id,
    });
  });

  for (const way of ['code', 'qrPayload'] as const) {
    it(`carries the user secrets to the new device approved by ${way}`, async () => {
      const newDevice = party();
      const other = await newLink({ ...newDevice, deviceId: randomUUID() });
      const { request, pending } = await newLink(newDevice);
      const input = way === 'code' ? request.code : request.qrPayload(pending.id);
      const secrets = generateUserSecrets();
      const approval = await approveDeviceLink(
        parseDeviceLinkSecret(input),
        [other.pending, pending],
        { organizationId: newDevice.organizationId, userId: newDevice.userId },
        secrets,
      );
      expect(approval).toMatchObject({ linkId: pending.id, deviceId: newDevice.deviceId });
      const opened = await request.openApproval(
        approval.linkId,
        approval.sealedSecrets,
        approval.confirmation,
      );
      expect(opened.identityKey.privateKey).toEqual(secrets.identityKey.privateKey);
      expect(opened.historyKey).toEqual(secrets.historyKey);
    });
  }

  it('finds no link for a wrong code or another user, and says mistyped for a typo', async () => {
    const newDevice = party();
    const { request, pending } = await newLink(newDevice);
    const approver = { organizationId: newDevice.organizationId, userId: newDevice.userId };
    const otherCode = (await newLink(party())).request.code;
    const secrets = generateUserSecrets();
    expect(
      await reasonOf(() =>
        approveDeviceLink(parseDeviceLinkSecret(otherCode), [pending], approver, secrets),
      ),
    ).toBe('no_matching_link');
    expect(
      await reasonOf(() =>
        approveDeviceLink(
          parseDeviceLinkSecret(request.code),
          [pending],
          { ...approver, userId: randomUUID() },
          secrets,
        ),
      ),
    ).toBe('no_matching_link');
    const typo = (request.code.startsWith('A') ? 'B' : 'A') + request.code.slice(1);
    expect(await reasonOf(() => Promise.resolve(parseDeviceLinkSecret(typo)))).toBe('mistyped');
    expect(
      await reasonOf(() => Promise.resolve(parseDeviceLinkSecret('amtsbote-link:2:x:y'))),
    ).toBe('mistyped');
  });

  it('detects a public key swapped by the server: tag mismatch by QR, no match by code', async () => {
    const newDevice = party();
    const { request, pending } = await newLink(newDevice);
    const attacker = await newLink(newDevice);
    const swapped: PendingDeviceLink = { ...pending, publicKey: attacker.request.publicKey };
    const approver = { organizationId: newDevice.organizationId, userId: newDevice.userId };
    const secrets = generateUserSecrets();
    expect(
      await reasonOf(() =>
        approveDeviceLink(
          parseDeviceLinkSecret(request.qrPayload(pending.id)),
          [swapped],
          approver,
          secrets,
        ),
      ),
    ).toBe('tag_mismatch');
    expect(
      await reasonOf(() =>
        approveDeviceLink(parseDeviceLinkSecret(request.code), [swapped], approver, secrets),
      ),
    ).toBe('no_matching_link');
  });

  it('refuses an approval that was changed, made for another link, or made without the secret', async () => {
    const newDevice = party();
    const { request, pending } = await newLink(newDevice);
    const approver = { organizationId: newDevice.organizationId, userId: newDevice.userId };
    const approval = await approveDeviceLink(
      parseDeviceLinkSecret(request.code),
      [pending],
      approver,
      generateUserSecrets(),
    );
    const flipped = approval.sealedSecrets.slice();
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
    const open = (linkId: string, sealed: Uint8Array, confirmation: Uint8Array) => () =>
      request.openApproval(linkId, sealed, confirmation);
    expect(await reasonOf(open(pending.id, flipped, approval.confirmation))).toBe(
      'approval_mismatch',
    );
    expect(await reasonOf(open(randomUUID(), approval.sealedSecrets, approval.confirmation))).toBe(
      'approval_mismatch',
    );
    // Whoever lacks the link secret (the server) cannot make the confirmation.
    expect(await reasonOf(open(pending.id, approval.sealedSecrets, new Uint8Array(32)))).toBe(
      'approval_mismatch',
    );
  });
});
