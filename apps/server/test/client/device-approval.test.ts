import { MessagingClient } from '@amtsbote/client';
import { DeviceLinkRequest, base64urlEncode } from '@amtsbote/crypto';
import {
  DEVICE_LINK_LIFETIME_SECONDS,
  createdDeviceLinkSchema,
  deviceLinkStateSchema,
  listDeviceLinksResponseSchema,
  type SessionGrant,
} from '@amtsbote/protocol';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { describeOnEachBackend } from '../support/backends.js';
import type { TestServer } from '../support/test-server.js';
import { call, expectApiError, noContent } from '../sessions/identity-fixtures.js';
import { hasAccount, lyingApi, newDeviceOf, storedSecrets } from './account-fixtures.js';
import {
  clientOptions,
  closeDevices,
  personWithDevice,
  startDevice,
  startMessagingServer,
  textsShown,
  type TestDevice,
} from './client-fixtures.js';

/* A user's further device gets the user secrets from one of their devices: approved by the
   short code or the QR payload, never readable by the server, refused with typed errors. */

const linkPath = (id: string): string => `/api/me/device-links/${id}`;
const FAKE_APPROVAL = {
  sealedSecrets: base64urlEncode(new Uint8Array(64)),
  confirmation: base64urlEncode(new Uint8Array(32)),
};

describeOnEachBackend('device approval', (backend) => {
  let server: TestServer;
  const clock = new ManualClock(new Date());
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    // Each new device is a password login; more than the default 30 a minute per address.
    server = await startMessagingServer({ backend, clock, authRateLimitPerMinute: 1000 });
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  const pendingLinks = async (grant: SessionGrant) =>
    (await call(server, grant.token, 'GET', '/api/me/device-links', listDeviceLinksResponseSchema))
      .links;

  for (const way of ['code', 'qrPayload'] as const) {
    it(`approves a new device by its ${way}, which then reads and sends in new conversations`, async () => {
      const anna = await personWithDevice(server, 'anna');
      const bernd = await personWithDevice(server, 'bernd');
      devices.push(anna, bernd);
      const phone = await newDeviceOf(server, anna.person);
      const link = await MessagingClient.requestDeviceLink(phone.options);
      const typed =
        way === 'code' ? ` ${link.code.toLowerCase().replaceAll('-', ' ')} ` : link[way];
      expect(await anna.client.approveDevice(typed)).toEqual({
        deviceId: phone.grant.device.id,
        deviceName: phone.grant.device.name,
      });
      await (await link.complete({ pollIntervalMs: 25 })).close();
      const started = await startDevice(server, phone.grant, {
        store: phone.store,
        isRestart: true,
      });
      devices.push(started);

      expect(started.client.identityPublicKey).toEqual(anna.client.identityPublicKey);
      expect(await storedSecrets(phone.store)).toEqual(await storedSecrets(anna.store));
      const { conversationId } = await bernd.client.createConversation({
        kind: 'group',
        memberUserIds: [anna.person.userId],
      });
      await bernd.client.sendText(conversationId, 'Guten Morgen');
      await textsShown(started, conversationId, 1);
      await started.client.sendText(conversationId, 'Vom neuen Gerät');
      for (const reader of [anna, bernd])
        expect(await textsShown(reader, conversationId, 2)).toHaveLength(2);
    });
  }

  it('refuses a wrong code and a typo with typed errors, and the link stays usable', async () => {
    const carla = await personWithDevice(server, 'carla');
    devices.push(carla);
    const laptop = await newDeviceOf(server, carla.person);
    const link = await MessagingClient.requestDeviceLink(laptop.options);
    const stranger = await MessagingClient.requestDeviceLink(
      (await newDeviceOf(server, (await personWithDevice(server, 'dora')).person)).options,
    );
    await expect(carla.client.approveDevice(stranger.code)).rejects.toMatchObject({
      code: 'device_link_not_found',
    });
    const first = link.code.charAt(0);
    const typo = (first === 'A' ? 'B' : 'A') + link.code.slice(1);
    await expect(carla.client.approveDevice(typo)).rejects.toMatchObject({
      code: 'device_link_code_invalid',
    });
    await expect(carla.client.approveDevice('amtsbote-link:1:nein')).rejects.toMatchObject({
      code: 'device_link_code_invalid',
    });
    expect((await pendingLinks(carla.grant)).map((l) => l.id)).toEqual([link.linkId]);
    await carla.client.approveDevice(link.code);
    await (await link.complete({ pollIntervalMs: 25 })).close();
  });

  it('refuses an expired link on both sides', async () => {
    const emil = await personWithDevice(server, 'emil');
    devices.push(emil);
    const tablet = await newDeviceOf(server, emil.person);
    const link = await MessagingClient.requestDeviceLink(tablet.options);
    clock.advance(DEVICE_LINK_LIFETIME_SECONDS * 1000 + 1);
    await expect(emil.client.approveDevice(link.code)).rejects.toMatchObject({
      code: 'device_link_not_found',
    });
    await expectApiError(
      call(
        server,
        emil.grant.token,
        'POST',
        `${linkPath(link.linkId)}/approve`,
        noContent,
        FAKE_APPROVAL,
      ),
      { status: 410, code: 'device_link_expired' },
    );
    await expect(link.complete({ pollIntervalMs: 25 })).rejects.toMatchObject({
      code: 'device_link_expired',
    });
    expect(await hasAccount(tablet.store)).toBe(false);
  });

  it('hands the sealed secrets out once and refuses a second approval of a used link', async () => {
    const frieda = await personWithDevice(server, 'frieda');
    devices.push(frieda);
    const phone = await newDeviceOf(server, frieda.person);
    const link = await MessagingClient.requestDeviceLink(phone.options);
    await frieda.client.approveDevice(link.qrPayload);
    await expect(frieda.client.approveDevice(link.qrPayload)).rejects.toMatchObject({
      code: 'device_link_not_found',
    });
    await expectApiError(
      call(
        server,
        frieda.grant.token,
        'POST',
        `${linkPath(link.linkId)}/approve`,
        noContent,
        FAKE_APPROVAL,
      ),
      { status: 409, code: 'device_link_used' },
    );
    await (await link.complete({ pollIntervalMs: 25 })).close();
    const { rows } = await sql<{
      sealed_secrets: Uint8Array | null;
      confirmation: Uint8Array | null;
    }>`
      select sealed_secrets, confirmation from device_links where id = ${link.linkId}`.execute(
      server.handle.storage.db,
    );
    expect(rows).toEqual([{ sealed_secrets: null, confirmation: null }]);
    await expectApiError(
      call(server, phone.grant.token, 'GET', linkPath(link.linkId), deviceLinkStateSchema),
      { status: 409, code: 'device_link_used' },
    );
  });

  it('lets no device of another user, and no other device of the same user, see or approve a link', async () => {
    const gerd = await personWithDevice(server, 'gerd');
    const hanna = await personWithDevice(server, 'hanna');
    devices.push(gerd, hanna);
    const laptop = await newDeviceOf(server, gerd.person);
    const link = await MessagingClient.requestDeviceLink(laptop.options);
    expect(await pendingLinks(hanna.grant)).toEqual([]);
    await expect(hanna.client.approveDevice(link.code)).rejects.toMatchObject({
      code: 'device_link_not_found',
    });
    await expect(hanna.client.approveDevice(link.qrPayload)).rejects.toMatchObject({
      code: 'device_link_not_found',
    });
    for (const token of [hanna.grant.token, gerd.grant.token]) {
      await expectApiError(
        call(server, token, 'GET', linkPath(link.linkId), deviceLinkStateSchema),
        {
          status: 404,
          code: 'device_link_not_found',
        },
      );
    }
    await expectApiError(
      call(
        server,
        hanna.grant.token,
        'POST',
        `${linkPath(link.linkId)}/approve`,
        noContent,
        FAKE_APPROVAL,
      ),
      { status: 404, code: 'device_link_not_found' },
    );
    await expectApiError(
      call(
        server,
        laptop.grant.token,
        'POST',
        `${linkPath(link.linkId)}/approve`,
        noContent,
        FAKE_APPROVAL,
      ),
      { status: 403, code: 'forbidden' },
    );
    expect((await pendingLinks(gerd.grant)).map((l) => l.id)).toEqual([link.linkId]);
  });

  it('detects a server that swaps the public key of a link or changes the approval', async () => {
    const ingo = await personWithDevice(server, 'ingo');
    devices.push(ingo);
    const phone = await newDeviceOf(server, ingo.person);
    const link = await MessagingClient.requestDeviceLink(phone.options);
    const serverKey = (
      await DeviceLinkRequest.create({
        organizationId: phone.grant.organization.id,
        userId: phone.grant.user.id,
        deviceId: phone.grant.device.id,
      })
    ).publicKey;
    const swapping = lyingApi(server, ingo.grant.token, (method, path, body) => {
      if (method !== 'GET' || path !== '/api/me/device-links') return undefined;
      const { links } = listDeviceLinksResponseSchema.parse(body);
      return { links: links.map((l) => ({ ...l, publicKey: base64urlEncode(serverKey) })) };
    });
    const deceived = await MessagingClient.open({
      ...clientOptions(server, ingo.grant, ingo.store, false),
      http: swapping,
    });
    try {
      await expect(deceived.approveDevice(link.qrPayload)).rejects.toMatchObject({
        code: 'device_link_mismatch',
      });
      await expect(deceived.approveDevice(link.code)).rejects.toMatchObject({
        code: 'device_link_not_found',
      });
    } finally {
      await deceived.close();
    }
    expect((await pendingLinks(ingo.grant)).map((l) => l.id)).toEqual([link.linkId]);

    // The other way round: the approval the new device fetches is not the one the approver made.
    const tablet = await newDeviceOf(server, ingo.person);
    const fetchedByTablet = lyingApi(server, tablet.grant.token, (method, path, body) => {
      const state = deviceLinkStateSchema.safeParse(body);
      if (method !== 'GET' || !path.startsWith('/api/me/device-links/')) return undefined;
      if (!state.success || state.data.status !== 'approved') return undefined;
      return { ...state.data, confirmation: base64urlEncode(new Uint8Array(32)) };
    });
    const second = await MessagingClient.requestDeviceLink({
      ...tablet.options,
      http: fetchedByTablet,
    });
    await ingo.client.approveDevice(second.code);
    await expect(second.complete({ pollIntervalMs: 25 })).rejects.toMatchObject({
      code: 'device_link_mismatch',
    });
    expect(await hasAccount(tablet.store)).toBe(false);
  });

  it('keeps a revoked device out: its link is not listed, and it cannot approve', async () => {
    const jana = await personWithDevice(server, 'jana');
    devices.push(jana);
    const lost = await newDeviceOf(server, jana.person);
    const link = await MessagingClient.requestDeviceLink(lost.options);
    await call(
      server,
      jana.grant.token,
      'POST',
      `/api/me/devices/${lost.grant.device.id}/revoke`,
      noContent,
    );
    expect(await pendingLinks(jana.grant)).toEqual([]);
    await expect(jana.client.approveDevice(link.code)).rejects.toMatchObject({
      code: 'device_link_not_found',
    });

    const fresh = await newDeviceOf(server, jana.person);
    const freshLink = await MessagingClient.requestDeviceLink(fresh.options);
    const second = await startDevice(server, (await newDeviceOf(server, jana.person)).grant, {
      approvedBy: jana,
    });
    devices.push(second);
    await call(
      server,
      jana.grant.token,
      'POST',
      `/api/me/devices/${second.grant.device.id}/revoke`,
      noContent,
    );
    await expect(second.client.approveDevice(freshLink.code)).rejects.toMatchObject({
      status: 401,
      code: 'unauthenticated',
    });
    expect((await pendingLinks(jana.grant)).map((l) => l.id)).toEqual([freshLink.linkId]);
  });

  it('keeps one link per device and at most five per user, and refuses malformed links', async () => {
    const kai = await personWithDevice(server, 'kai');
    devices.push(kai);
    const body = {
      publicKey: base64urlEncode(new Uint8Array(1216)),
      codeTag: base64urlEncode(new Uint8Array(32)),
      qrTag: base64urlEncode(new Uint8Array(32)),
    };
    const create = async (token: string, input: unknown = body) =>
      call(server, token, 'POST', '/api/me/device-links', createdDeviceLinkSchema, input);
    const waiting = await Promise.all(
      [1, 2, 3, 4, 5].map(async () => newDeviceOf(server, kai.person)),
    );
    for (const device of waiting) await create(device.grant.token);
    await create(waiting[0]!.grant.token);
    expect(await pendingLinks(kai.grant)).toHaveLength(5);
    const sixth = await newDeviceOf(server, kai.person);
    await expectApiError(create(sixth.grant.token), { status: 409, code: 'too_many_device_links' });
    await expectApiError(
      create(sixth.grant.token, { ...body, codeTag: base64urlEncode(new Uint8Array(31)) }),
      {
        status: 400,
        code: 'invalid_request',
      },
    );
    await expectApiError(create(sixth.grant.token, { ...body, publicKey: 'A'.repeat(2800) }), {
      status: 400,
      code: 'invalid_request',
    });
    await expectApiError(create(sixth.grant.token, { ...body, publicKey: 'A'.repeat(10_000) }), {
      status: 413,
      code: 'body_too_large',
    });
  });
});
