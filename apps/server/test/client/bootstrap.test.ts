import { MessagingClient, type MessagingEvent } from '@amtsbote/client';
import {
  InMemoryKeyPackageStore,
  base64urlEncode,
  createDevice,
  generateIdentityKey,
  generateKeyPackages,
} from '@amtsbote/crypto';
import {
  CIPHERSUITES,
  claimKeyPackagesResponseSchema,
  keyPackageStockSchema,
  userIdentitySchema,
  type SessionGrant,
} from '@amtsbote/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/test-server.js';
import {
  clientOptions,
  closeDevices,
  encryptedMemoryStore,
  eventually,
  personWithDevice,
  signIn,
  startDevice,
  startMessagingServer,
  textsShown,
  type TestDevice,
} from './client-fixtures.js';

const SUITE = CIPHERSUITES.xwing;

async function stockOf(server: TestServer, grant: SessionGrant) {
  return server
    .api(grant.token)
    .request('GET', `/api/me/key-packages?ciphersuite=${SUITE}`, undefined, keyPackageStockSchema);
}

describe('messaging client bootstrap', () => {
  let server: TestServer;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    server = await startMessagingServer();
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  it('publishes the identity key of a first device and keeps key packages on the server', async () => {
    const anna = await personWithDevice(server, 'anna');
    devices.push(anna);
    const identity = await server
      .api(anna.grant.token)
      .request('GET', `/api/users/${anna.person.userId}/identity`, undefined, userIdentitySchema);
    expect(identity.identityKey).toBe(base64urlEncode(anna.client.identityPublicKey));
    expect(await stockOf(server, anna.grant)).toMatchObject({
      oneTimeCount: 30,
      hasLastResort: true,
    });
  });

  it('refuses a second identity key for a user and sets up further devices by approval', async () => {
    const anna = await personWithDevice(server, 'anna');
    devices.push(anna);
    const grant = await signIn(server, anna.person);
    const options = clientOptions(server, grant, await encryptedMemoryStore(), false);
    await expect(MessagingClient.open(options)).rejects.toMatchObject({
      code: 'not_bootstrapped',
    });
    await expect(MessagingClient.bootstrap(options)).rejects.toMatchObject({
      code: 'identity_key_exists',
    });
    const phone = await startDevice(server, grant, { store: options.store, approvedBy: anna });
    devices.push(phone);
    expect(phone.client.identityPublicKey).toEqual(anna.client.identityPublicKey);
    expect(await stockOf(server, grant)).toMatchObject({ oneTimeCount: 30, hasLastResort: true });
  });

  it('uploads key packages again when the server reports the stock low', async () => {
    const anna = await personWithDevice(server, 'anna');
    const bernd = await personWithDevice(server, 'bernd', { isLive: false });
    devices.push(anna, bernd);
    // Bernd's claims use up Anna's one-time packages, as adding her to 21 groups would.
    for (let i = 0; i < 21; i++) {
      const { keyPackages } = await server
        .api(bernd.grant.token)
        .request(
          'POST',
          '/api/key-packages/claim',
          { ciphersuite: SUITE, userIds: [anna.person.userId], excludeDeviceIds: [] },
          claimKeyPackagesResponseSchema,
        );
      expect(keyPackages.map((k) => [k.deviceId, k.isLastResort])).toEqual([
        [anna.client.deviceId, false],
      ]);
    }
    const stock = await eventually(
      () => stockOf(server, anna.grant),
      (s) => s.oneTimeCount === 30,
      'the refill of Anna’s key packages',
    );
    expect(stock.hasLastResort).toBe(true);
  });

  it('leaves out and reports a known user’s device that shows another identity key', async () => {
    const anna = await personWithDevice(server, 'anna');
    const bernd = await personWithDevice(server, 'bernd');
    devices.push(anna, bernd);
    const { conversationId: id } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    // A device of Bernd's account whose credential is signed by a key Bernd never had, as a
    // server or a thief of his password could plant it.
    const rogueGrant = await signIn(server, bernd.person);
    const rogueDevice = createDevice(generateIdentityKey(), {
      organizationId: rogueGrant.organization.id,
      userId: rogueGrant.user.id,
      deviceId: rogueGrant.device.id,
    });
    const [rogueKeyPackage] = await generateKeyPackages(rogueDevice, 1, {
      ciphersuite: SUITE,
      lastResort: false,
      store: new InMemoryKeyPackageStore(),
    });
    await server
      .api(rogueGrant.token)
      .request(
        'POST',
        '/api/me/key-packages',
        { ciphersuite: SUITE, oneTime: [base64urlEncode(rogueKeyPackage!)] },
        keyPackageStockSchema,
      );

    const events = anna.client.events();
    // Bernd's genuine device is added; the one with the unknown key is left out and reported.
    const { conversationId: second, members } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    expect(members.map((m) => m.deviceId).sort()).toEqual(
      [anna.client.deviceId, bernd.client.deviceId].sort(),
    );
    let change: MessagingEvent | undefined;
    for await (const event of events) {
      if (event.type !== 'identity_key_changed') continue;
      change = event;
      break;
    }
    expect(change).toMatchObject({
      type: 'identity_key_changed',
      userId: bernd.person.userId,
      pinnedKey: bernd.client.identityPublicKey,
    });
    await anna.client.sendText(second, 'nur für Bernds echtes Gerät');
    expect(await textsShown(bernd, second, 1)).toHaveLength(1);
    expect((await anna.client.conversation(id))?.epoch).toBe(1);
  });
});
