import { PushApi, type PushSubscriptionJson } from '@amtsbote/client';
import type { SessionGrant } from '@amtsbote/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { newPerson, signIn, startMessagingServer } from '../client/client-fixtures.js';
import { call, expectApiError, noContent } from '../sessions/identity-fixtures.js';
import type { TestServer } from '../support/test-server.js';
import { newReceiver } from './web-push-decryptor.js';

/* The routes of a device's push subscription: what they accept, what they refuse, and whose
   subscription they touch (ADR 0015). */

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

function validSubscription(endpoint = 'https://push.example.net/wpush/v2/abc'): {
  endpoint: string;
  keys: { p256dh: string; auth: string };
} {
  const receiver = newReceiver();
  return { endpoint, keys: { p256dh: b64(receiver.publicKey), auth: b64(receiver.auth) } };
}

describe('push subscription routes', () => {
  let server: TestServer;
  let anna: SessionGrant;
  let annaSecondDevice: SessionGrant;
  let bernd: SessionGrant;

  const pushApi = (grant: SessionGrant): PushApi => new PushApi(server.api(grant.token));
  const storedEndpoints = async (): Promise<Record<string, string>> => {
    const rows = await server.handle.storage.db
      .selectFrom('push_subscriptions')
      .select(['device_id', 'endpoint'])
      .execute();
    return Object.fromEntries(rows.map((r) => [r.device_id, r.endpoint]));
  };

  beforeAll(async () => {
    server = await startMessagingServer({ env: { AMTSBOTE_PUSH_ALLOW_LOOPBACK: 'true' } });
    const annaPerson = await newPerson(server, 'anna');
    anna = await signIn(server, annaPerson);
    annaSecondDevice = await signIn(server, annaPerson);
    bernd = await signIn(server, await newPerson(server, 'bernd'));
  });
  afterAll(async () => {
    await server.close();
  });

  it('gives the VAPID public key to signed-in devices only', async () => {
    const key = await pushApi(anna).vapidKey();
    expect(Buffer.from(key, 'base64url')).toHaveLength(65);
    expect(Buffer.from(key, 'base64url')[0]).toBe(0x04);
    await expectApiError(call(server, null, 'GET', '/api/push/vapid-key', z.unknown()), {
      status: 401,
      code: 'unauthenticated',
    });
    await expectApiError(
      pushApi({ ...anna, token: 'x'.repeat(43) }).subscribe(validSubscription()),
      {
        status: 401,
        code: 'unauthenticated',
      },
    );
  });

  it('keeps one subscription per device, the newest', async () => {
    await pushApi(anna).subscribe({ ...validSubscription(), expirationTime: null });
    await pushApi(anna).subscribe(validSubscription('https://push.example.net/wpush/v2/newer'));
    expect(await storedEndpoints()).toEqual({
      [anna.device.id]: 'https://push.example.net/wpush/v2/newer',
    });
  });

  it('refuses endpoints that are not https or not on a public host, and stores nothing', async () => {
    const refused: ReadonlyArray<readonly [string, string]> = [
      ['http://push.example.net/wpush', 'not_https'],
      ['ftp://push.example.net/wpush', 'not_https'],
      ['http://10.0.0.1/wpush', 'not_https'],
      ['not a url', 'not_a_url'],
      ['https://user:secret@push.example.net/wpush', 'has_credentials'],
      ['https://push.example.net/wpush#x', 'has_fragment'],
      ['https://10.1.2.3/wpush', 'not_a_public_host'],
      ['https://172.16.0.5/wpush', 'not_a_public_host'],
      ['https://192.168.178.1/wpush', 'not_a_public_host'],
      ['https://169.254.169.254/latest/meta-data', 'not_a_public_host'],
      ['https://100.64.0.1/wpush', 'not_a_public_host'],
      ['https://0x0a.1/wpush', 'not_a_public_host'],
      ['https://[fe80::1]/wpush', 'not_a_public_host'],
      ['https://[fd00::1]/wpush', 'not_a_public_host'],
      ['https://[::ffff:10.0.0.1]/wpush', 'not_a_public_host'],
      ['https://intranet/wpush', 'not_a_public_host'],
    ];
    for (const [endpoint, code] of refused) {
      const error = await expectApiError(pushApi(bernd).subscribe(validSubscription(endpoint)), {
        status: 400,
        code: 'push_subscription_invalid',
      });
      expect(error.fields, endpoint).toEqual([
        { path: 'body.endpoint', code, message: expect.any(String) as string },
      ]);
    }
    const tooLong = `https://push.example.net/${'a'.repeat(2048)}`;
    await expectApiError(pushApi(bernd).subscribe(validSubscription(tooLong)), {
      status: 400,
      code: 'invalid_request',
    });
    expect(Object.keys(await storedEndpoints())).not.toContain(bernd.device.id);
  });

  it('refuses keys of the wrong length and points off the curve, and stores nothing', async () => {
    const good = validSubscription();
    const point = Buffer.from(good.keys.p256dh, 'base64url');
    const offCurve = Buffer.from(point);
    offCurve[64] = (offCurve[64] ?? 0) ^ 1;
    const compressed = Buffer.from(point);
    compressed[0] = 0x02;
    const cases: ReadonlyArray<readonly [PushSubscriptionJson, string, string]> = [
      [
        { ...good, keys: { ...good.keys, p256dh: b64(point.subarray(0, 64)) } },
        'invalid_request',
        'body.keys.p256dh',
      ],
      [
        { ...good, keys: { ...good.keys, auth: b64(new Uint8Array(15)) } },
        'invalid_request',
        'body.keys.auth',
      ],
      [
        { ...good, keys: { ...good.keys, auth: b64(new Uint8Array(17)) } },
        'invalid_request',
        'body.keys.auth',
      ],
      [
        { ...good, keys: { ...good.keys, p256dh: b64(offCurve) } },
        'push_subscription_invalid',
        'body.keys.p256dh',
      ],
      [
        { ...good, keys: { ...good.keys, p256dh: b64(compressed) } },
        'push_subscription_invalid',
        'body.keys.p256dh',
      ],
      [
        { ...good, keys: { ...good.keys, p256dh: b64(new Uint8Array(65)) } },
        'push_subscription_invalid',
        'body.keys.p256dh',
      ],
      [{ endpoint: good.endpoint }, 'invalid_request', 'body.keys.p256dh'],
    ];
    for (const [subscription, code, path] of cases) {
      const error = await expectApiError(pushApi(bernd).subscribe(subscription), {
        status: 400,
        code: code as 'invalid_request',
      });
      expect(error.fields.map((f) => f.path)).toContain(path);
    }
    await expectApiError(
      call(server, bernd.token, 'PUT', '/api/push/subscription', noContent, {
        ...good,
        deviceId: anna.device.id,
      }),
      { status: 400, code: 'invalid_request' },
    );
    expect(Object.keys(await storedEndpoints())).not.toContain(bernd.device.id);
  });

  it('lets a device change only its own subscription', async () => {
    await pushApi(bernd).subscribe(validSubscription('https://push.example.net/wpush/v2/bernd'));
    await pushApi(annaSecondDevice).subscribe(
      validSubscription('https://push.example.net/wpush/v2/anna-2'),
    );
    await pushApi(anna).unsubscribe();
    expect(await storedEndpoints()).toEqual({
      [bernd.device.id]: 'https://push.example.net/wpush/v2/bernd',
      [annaSecondDevice.device.id]: 'https://push.example.net/wpush/v2/anna-2',
    });
    // Unsubscribing without a subscription is fine.
    await pushApi(anna).unsubscribe();
    await pushApi(annaSecondDevice).subscribe(
      validSubscription('https://push.example.net/wpush/v2/anna-2b'),
    );
    expect((await storedEndpoints())[bernd.device.id]).toBe(
      'https://push.example.net/wpush/v2/bernd',
    );
  });

  it('deletes a subscription when its device is revoked or logs out', async () => {
    await call(
      server,
      anna.token,
      'POST',
      `/api/me/devices/${annaSecondDevice.device.id}/revoke`,
      noContent,
    );
    await call(server, bernd.token, 'POST', '/api/auth/logout', z.object({ status: z.string() }));
    await expect.poll(storedEndpoints).toEqual({});
  });

  it('accepts an endpoint on loopback only with the test flag', async () => {
    const carla = await signIn(server, await newPerson(server, 'carla'));
    await pushApi(carla).subscribe(validSubscription('http://127.0.0.1:9/wpush/v2/carla'));
    expect(await storedEndpoints()).toEqual({
      [carla.device.id]: 'http://127.0.0.1:9/wpush/v2/carla',
    });
  });
});
