import { randomUUID } from 'node:crypto';
import {
  CIPHERSUITES,
  KEY_PACKAGE_LOW_WATERMARK,
  claimKeyPackagesResponseSchema,
  keyPackageStockSchema,
  userIdentitySchema,
  type ClaimedKeyPackage,
} from '@amtsbote/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectError, expectOk } from '../http/helpers.js';
import { createOrganization, disableUserOverHttp } from '../sessions/identity-fixtures.js';
import { describeOnEachBackend } from '../support/backends.js';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import { connectFrames } from './frame-client.js';
import {
  SUITE,
  anotherDevice,
  call,
  newDevice,
  newUser,
  opaque,
  type Device,
  MANY_LOGINS,
} from './messaging-fixtures.js';

const ORG_B = 'landkreis-beispiel';

describeOnEachBackend('key packages and identity keys', (backend) => {
  let server: TestServer;
  let adminToken: string;

  beforeAll(async () => {
    server = await startTestServer({ backend, ...MANY_LOGINS });
    adminToken = (await setupFirstOrganization(server)).token;
    await createOrganization(server, { slug: ORG_B, name: 'Landkreis Beispiel' });
  });
  afterAll(async () => {
    await server.close();
  });

  const upload = async (device: Device, oneTime: readonly string[], lastResort?: string) =>
    expectOk(
      await call(server, device, 'POST', '/api/me/key-packages', {
        ciphersuite: SUITE,
        oneTime,
        ...(lastResort === undefined ? {} : { lastResort }),
      }),
      200,
      keyPackageStockSchema,
    );

  const claim = async (
    claimer: Device,
    userIds: readonly string[],
    excludeDeviceIds: readonly string[] = [],
  ): Promise<ClaimedKeyPackage[]> =>
    expectOk(
      await call(server, claimer, 'POST', '/api/key-packages/claim', {
        ciphersuite: SUITE,
        userIds,
        excludeDeviceIds,
      }),
      200,
      claimKeyPackagesResponseSchema,
    ).keyPackages;

  it('counts one-time key packages per ciphersuite and keeps one last-resort package', async () => {
    const device = await newDevice(server);
    expect(await upload(device, [opaque(), opaque(), opaque()], opaque())).toEqual({
      ciphersuite: SUITE,
      oneTimeCount: 3,
      hasLastResort: true,
      lowWatermark: KEY_PACKAGE_LOW_WATERMARK,
    });
    const replacement = opaque();
    expect(await upload(device, [opaque(), opaque()], replacement)).toMatchObject({
      oneTimeCount: 5,
      hasLastResort: true,
    });
    const stockOf = async (suite: number) =>
      expectOk(
        await call(server, device, 'GET', `/api/me/key-packages?ciphersuite=${suite}`),
        200,
        keyPackageStockSchema,
      );
    expect(await stockOf(SUITE)).toMatchObject({ oneTimeCount: 5, hasLastResort: true });
    expect(await stockOf(CIPHERSUITES.classic)).toMatchObject({
      oneTimeCount: 0,
      hasLastResort: false,
    });
    const claimer = await newDevice(server);
    const claimed = [];
    for (let i = 0; i < 6; i += 1) claimed.push(...(await claim(claimer, [device.userId])));
    expect(claimed.at(-1)).toMatchObject({ keyPackage: replacement, isLastResort: true });
  });

  it('hands out each one-time key package once, then the last-resort one repeatedly', async () => {
    const owner = await newDevice(server);
    const [first, second, lastResort] = [opaque(), opaque(), opaque()];
    await upload(owner, [first, second], lastResort);
    const claimer = await newDevice(server);

    const handedOut = [];
    for (let i = 0; i < 4; i += 1) handedOut.push(...(await claim(claimer, [owner.userId])));

    expect(handedOut.map((k) => k.isLastResort)).toEqual([false, false, true, true]);
    expect(new Set(handedOut.slice(0, 2).map((k) => k.keyPackage))).toEqual(
      new Set([first, second]),
    );
    expect(handedOut.slice(2).map((k) => k.keyPackage)).toEqual([lastResort, lastResort]);
    expect(new Set(handedOut.map((k) => `${k.userId}/${k.deviceId}`))).toEqual(
      new Set([`${owner.userId}/${owner.deviceId}`]),
    );
  });

  it('claims one package per live device of each listed user, without excluded or revoked devices', async () => {
    const [laptop, phone, tablet, spare] = await newUser(server, 4);
    const other = await newDevice(server);
    for (const device of [laptop, phone, tablet, spare, other]) await upload(device!, [opaque()]);
    const revoke = await call(
      server,
      laptop!,
      'POST',
      `/api/me/devices/${tablet!.deviceId}/revoke`,
    );
    expect(revoke.status).toBe(204);
    const claimer = await newDevice(server);

    const claimed = await claim(claimer, [laptop!.userId, other.userId], [phone!.deviceId]);

    expect(claimed.map((k) => k.deviceId).sort()).toEqual(
      [laptop!.deviceId, spare!.deviceId, other.deviceId].sort(),
    );
    expect(claimed.every((k) => !k.isLastResort)).toBe(true);
  });

  it('leaves out devices that have no key package of the suite', async () => {
    const owner = await newDevice(server);
    const claimer = await newDevice(server);
    expect(await claim(claimer, [owner.userId])).toEqual([]);
  });

  it('answers 404 for users of another organization and disabled users, as for unknown ids', async () => {
    const foreign = await newDevice(server, ORG_B);
    await upload(foreign, [opaque()], opaque());
    const disabled = await newDevice(server);
    await upload(disabled, [opaque()]);
    await disableUserOverHttp(server, adminToken, disabled.userId);
    const claimer = await newDevice(server);

    for (const userId of [randomUUID(), foreign.userId, disabled.userId]) {
      const response = await call(server, claimer, 'POST', '/api/key-packages/claim', {
        ciphersuite: SUITE,
        userIds: [userId],
      });
      expectError(response, 404, 'user_not_found');
    }
    const stock = await call(server, foreign, 'GET', `/api/me/key-packages?ciphersuite=${SUITE}`);
    expect(expectOk(stock, 200, keyPackageStockSchema).oneTimeCount).toBe(1);
  });

  it('sends a key_packages_low notice to a connected device once its stock is below the watermark', async () => {
    const owner = await newDevice(server);
    await upload(
      owner,
      Array.from({ length: KEY_PACKAGE_LOW_WATERMARK + 1 }, () => opaque()),
    );
    const connection = await connectFrames(server.wsUrl, owner.token);
    const claimer = await newDevice(server);

    await claim(claimer, [owner.userId]);
    await connection.roundTrip();
    expect(connection.frames.filter((f) => f.kind === 'notice')).toEqual([]);

    await claim(claimer, [owner.userId]);
    const notice = await connection.next('notice');
    expect(notice.header).toEqual({
      type: 'key_packages_low',
      ciphersuite: SUITE,
      oneTimeCount: KEY_PACKAGE_LOW_WATERMARK - 1,
    });
    connection.close();
  });

  it('never hands out a one-time key package twice when many claims run at once', async () => {
    const owner = await newDevice(server);
    const uploaded = Array.from({ length: 30 }, () => opaque());
    const lastResort = opaque();
    await upload(owner, uploaded, lastResort);
    const claimers = await Promise.all([1, 2, 3, 4].map(() => newDevice(server)));

    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => claim(claimers[i % 4]!, [owner.userId])),
    );

    const handedOut = results.flat();
    expect(handedOut).toHaveLength(40);
    const oneTime = handedOut.filter((k) => !k.isLastResort).map((k) => k.keyPackage);
    expect(new Set(oneTime).size).toBe(oneTime.length);
    expect(oneTime.every((k) => uploaded.includes(k))).toBe(true);
    expect(handedOut.filter((k) => k.isLastResort).every((k) => k.keyPackage === lastResort)).toBe(
      true,
    );
    const stock = await call(server, owner, 'GET', `/api/me/key-packages?ciphersuite=${SUITE}`);
    expect(oneTime.length + expectOk(stock, 200, keyPackageStockSchema).oneTimeCount).toBe(30);
  });

  it('refuses an upload that would hold more than 1000 one-time packages', async () => {
    const owner = await newDevice(server);
    for (let i = 0; i < 10; i += 1) {
      await upload(
        owner,
        Array.from({ length: 100 }, () => opaque(8)),
      );
    }
    const response = await call(server, owner, 'POST', '/api/me/key-packages', {
      ciphersuite: SUITE,
      oneTime: [opaque(8)],
    });
    expectError(response, 400, 'invalid_request');
  });

  it('publishes an identity key once: the same key again is fine, another one is refused', async () => {
    const laptop = await newDevice(server);
    const phone = await anotherDevice(server, laptop);
    const key = opaque(32);
    const publish = (device: Device, publicKey: string) =>
      call(server, device, 'PUT', '/api/me/identity-key', { publicKey });

    const first = expectOk(await publish(laptop, key), 200, userIdentitySchema);
    expect(first).toEqual({
      userId: laptop.userId,
      identityKey: key,
      deviceIds: [laptop.deviceId, phone.deviceId],
    });
    expect(expectOk(await publish(phone, key), 200, userIdentitySchema)).toEqual(first);
    expectError(await publish(phone, opaque(32)), 409, 'identity_key_exists');
    expectError(await publish(phone, ''), 400, 'invalid_request');
  });

  it("shows a user's identity key and live devices, and 404 for other organizations' users", async () => {
    const [laptop, phone] = await newUser(server, 2);
    const viewer = await newDevice(server);
    const foreign = await newDevice(server, ORG_B);
    const identityOf = (userId: string) =>
      call(server, viewer, 'GET', `/api/users/${userId}/identity`);

    expect(expectOk(await identityOf(laptop!.userId), 200, userIdentitySchema)).toEqual({
      userId: laptop!.userId,
      identityKey: null,
      deviceIds: [laptop!.deviceId, phone!.deviceId],
    });
    await call(server, phone!, 'POST', `/api/me/devices/${laptop!.deviceId}/revoke`);
    expect(expectOk(await identityOf(laptop!.userId), 200, userIdentitySchema).deviceIds).toEqual([
      phone!.deviceId,
    ]);
    const unknown = expectError(await identityOf(randomUUID()), 404, 'user_not_found');
    const foreignAnswer = expectError(await identityOf(foreign.userId), 404, 'user_not_found');
    expect(foreignAnswer.message).toBe(unknown.message);
  });
});
