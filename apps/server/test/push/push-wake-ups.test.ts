import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PushApi } from '@amtsbote/client';
import { PUSH_WAKE_UP } from '@amtsbote/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeDevices,
  eventually,
  personWithDevice,
  startMessagingServer,
  textsShown,
  type Person,
  type TestDevice,
} from '../client/client-fixtures.js';
import type { TestServer } from '../support/test-server.js';
import { FakePushService, type ReceivedPush, type Subscriber } from './fake-push-service.js';

/* Real server, real clients, a real push service on loopback: who is woken, how often, and
   what the push carries (ADR 0015). */

/** Short, so the suite can see windows end; production uses PUSH_COALESCE_WINDOW_MS. */
const WINDOW_MS = 2500;
/** Long enough for a window to end and anything it folded to arrive. */
const SETTLE_MS = WINDOW_MS + 800;
const CANARY = `CanaryPush-${randomBytes(8).toString('hex')}`;
/** salt (16) + record size (4) + key id length (1) + key id (65) + payload + delimiter + tag (16). */
const WAKE_UP_BODY_BYTES = 16 + 4 + 1 + 65 + JSON.stringify(PUSH_WAKE_UP).length + 1 + 16;

type Member = TestDevice & { readonly person: Person };

describe('web push wake-ups', () => {
  let server: TestServer;
  let pushService: FakePushService;
  let anna: Member;
  let bernd: Member;
  let carla: Member;
  let conversationId: string;
  let berndSubscriber: Subscriber;
  let carlaSubscriber: Subscriber;

  const pushesForBernd = (): ReceivedPush[] => pushService.pushesFor(berndSubscriber);
  const subscriptionCount = async (deviceId: string): Promise<number> =>
    (
      await server.handle.storage.db
        .selectFrom('push_subscriptions')
        .select('id')
        .where('device_id', '=', deviceId)
        .execute()
    ).length;

  beforeAll(async () => {
    pushService = await FakePushService.start();
    server = await startMessagingServer({
      env: { AMTSBOTE_PUSH_ALLOW_LOOPBACK: 'true', AMTSBOTE_LOG_LEVEL: 'debug' },
      pushCoalesceWindowMs: WINDOW_MS,
    });
    anna = await personWithDevice(server, 'anna');
    // Bernd's device has no WebSocket: it is the one a push must wake.
    bernd = await personWithDevice(server, 'bernd', { isLive: false });
    carla = await personWithDevice(server, 'carla');
    await eventually(
      () => Promise.resolve(carla.events),
      (events) => events.some((e) => e.type === 'connection_changed' && e.state === 'connected'),
      'Carla’s connection',
    );
    ({ conversationId } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId, carla.person.userId],
    }));
    // The windows the creation opened end before anyone subscribes.
    await sleep(SETTLE_MS);
    const berndPush = new PushApi(server.api(bernd.grant.token));
    pushService.expectVapidKey(await berndPush.vapidKey());
    berndSubscriber = pushService.subscribe();
    await berndPush.subscribe(berndSubscriber.json);
    carlaSubscriber = pushService.subscribe();
    await new PushApi(server.api(carla.grant.token)).subscribe(carlaSubscriber.json);
  });
  afterAll(async () => {
    await closeDevices([anna, bernd, carla]);
    await server.close();
    await pushService.close();
  });

  it('wakes a device without a connection with one push that says only "activity"', async () => {
    await anna.client.sendText(conversationId, CANARY);
    await eventually(
      () => Promise.resolve(pushesForBernd()),
      (pushes) => pushes.length > 0,
      'a push for Bernd',
    );
    await sleep(SETTLE_MS);
    const pushes = pushesForBernd();
    expect(pushes).toHaveLength(1);
    const [push] = pushes;
    expect(push?.vapidProblem).toBeNull();
    expect(push?.answeredStatus).toBe(201);
    expect(push?.plaintext).toBe('{"type":"activity"}');
    expect(JSON.parse(push?.plaintext ?? 'null')).toEqual(PUSH_WAKE_UP);
    expect(push?.headers).toMatchObject({
      'content-encoding': 'aes128gcm',
      'content-type': 'application/octet-stream',
      ttl: '86400',
      topic: 'amtsbote-activity',
      urgency: 'normal',
    });
    expect(push?.body).toHaveLength(WAKE_UP_BODY_BYTES);
    // Nothing of the message, the conversation or the people, neither inside nor around.
    const seen = [
      push?.plaintext,
      JSON.stringify(push?.headers),
      Buffer.from(push?.body ?? []).toString('latin1'),
    ].join('\n');
    for (const secret of [
      CANARY,
      conversationId,
      anna.person.userId,
      anna.person.username,
      anna.grant.device.id,
      bernd.person.userId,
      bernd.grant.device.id,
    ]) {
      expect(seen).not.toContain(secret);
    }
  });

  it('sends nothing to a device that is connected', async () => {
    expect(await textsShown(carla, conversationId, 1)).toEqual([
      { text: CANARY, senderUserId: anna.person.userId },
    ]);
    expect(pushService.pushesFor(carlaSubscriber)).toEqual([]);
  });

  it('folds a busy conversation into one push per window, and one more at its end', async () => {
    const before = pushesForBernd().length;
    // The window opens after this, when the server stored the first of the messages.
    const startedAtMs = Date.now();
    for (let i = 0; i < 3; i += 1) await anna.client.sendText(conversationId, `busy ${i}`);
    await eventually(
      () => Promise.resolve(pushesForBernd()),
      (pushes) => pushes.length >= before + 2,
      'two pushes for Bernd',
    );
    await sleep(SETTLE_MS);
    const pushes = pushesForBernd().slice(before);
    expect(pushes).toHaveLength(2);
    // The folded one waits for the end of the window.
    expect((pushes[1]?.receivedAtMs ?? 0) - startedAtMs).toBeGreaterThanOrEqual(WINDOW_MS);
    expect(pushes.map((p) => p.plaintext)).toEqual(['{"type":"activity"}', '{"type":"activity"}']);
  });

  it('deletes a subscription the push service reports gone, and delivery goes on', async () => {
    berndSubscriber.status = 410;
    const before = pushesForBernd().length;
    await anna.client.sendText(conversationId, 'after the subscription expired');
    await eventually(
      () => subscriptionCount(bernd.grant.device.id),
      (count) => count === 0,
      'the deletion of Bernd’s subscription',
    );
    expect(
      pushesForBernd()
        .slice(before)
        .map((p) => p.answeredStatus),
    ).toEqual([410]);
    expect(await subscriptionCount(carla.grant.device.id)).toBe(1);

    await sleep(SETTLE_MS);
    await anna.client.sendText(conversationId, 'with no subscription');
    await sleep(500);
    expect(pushesForBernd()).toHaveLength(before + 1);
    // Every message reached Bernd's device all the same, by sync.
    await bernd.client.sync();
    expect((await textsShown(bernd, conversationId, 6)).map((t) => t.text)).toEqual([
      CANARY,
      'busy 0',
      'busy 1',
      'busy 2',
      'after the subscription expired',
      'with no subscription',
    ]);
  });

  it('counts pushes sent and failed', async () => {
    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^amtsbote_push_messages_sent_total 3$/m);
    expect(metrics).toMatch(/^amtsbote_push_messages_failed_total\{reason="gone"\} 1$/m);
  });

  it('logs ids and status codes, never an endpoint, key or payload', () => {
    const logs = server.logs.join('');
    // The log lines exist: this test can fail.
    expect(logs).toContain('"msg":"push sent"');
    expect(logs).toContain(`"deviceId":"${bernd.grant.device.id}"`);
    expect(logs).toContain('"status":410');
    for (const subscriber of [berndSubscriber, carlaSubscriber]) {
      for (const secret of [
        subscriber.token,
        subscriber.endpoint,
        subscriber.json.keys.p256dh,
        subscriber.json.keys.auth,
      ]) {
        expect(logs).not.toContain(secret);
      }
    }
    expect(logs).not.toContain('/wpush/');
    expect(logs).not.toContain('"activity"');
    expect(logs).not.toContain(CANARY);
  });
});
