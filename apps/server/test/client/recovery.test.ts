import { MessagingClient } from '@amtsbote/client';
import { base64urlDecode } from '@amtsbote/crypto';
import { recoveryViewSchema } from '@amtsbote/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpDatabase } from '../support/database-dump.js';
import type { TestServer } from '../support/test-server.js';
import { call, expectApiError } from '../sessions/identity-fixtures.js';
import { hasAccount, newDeviceOf, storedSecrets } from './account-fixtures.js';
import {
  clientOptions,
  closeDevices,
  newPerson,
  personWithDevice,
  startDevice,
  startMessagingServer,
  textsShown,
  type TestDevice,
} from './client-fixtures.js';

/* The recovery key: shown once by the user's first device, it opens the user secrets the server
   keeps sealed, on a new device when no other device is left to approve it. */

const RECOVERY_KEY = /^[0-9A-Z]{4}(-[0-9A-Z]{4}){6}$/;
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('recovery key', () => {
  let server: TestServer;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    server = await startMessagingServer({ authRateLimitPerMinute: 1000 });
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  const sealedOf = async (token: string) =>
    (await call(server, token, 'GET', '/api/me/recovery', recoveryViewSchema)).sealedSecrets;

  it('is shown once by the first device, which leaves only the sealed secrets on the server', async () => {
    const anna = await personWithDevice(server, 'anna');
    devices.push(anna);
    const recoveryKey = anna.client.takeRecoveryKey();
    expect(recoveryKey).toMatch(RECOVERY_KEY);
    expect(anna.client.takeRecoveryKey()).toBeNull();
    const sealed = await sealedOf(anna.grant.token);
    expect(base64urlDecode(sealed).length).toBeLessThan(200);
    // A second bootstrap of the same account makes no new key: the sealed secrets stay.
    await anna.client.close();
    const again = await MessagingClient.bootstrap(
      clientOptions(server, anna.grant, anna.store, false),
    );
    expect(again.takeRecoveryKey()).toBeNull();
    await again.close();
    expect(await sealedOf(anna.grant.token)).toBe(sealed);
  });

  it('sets up a further device with the user secrets, which then reads and sends', async () => {
    const bernd = await personWithDevice(server, 'bernd');
    const clara = await personWithDevice(server, 'clara');
    devices.push(bernd, clara);
    const recoveryKey = bernd.client.takeRecoveryKey() ?? '';
    const replacement = await newDeviceOf(server, bernd.person);
    const typed = ` ${recoveryKey.toLowerCase().replaceAll('-', ' ')} `;
    await (await MessagingClient.bootstrapWithRecoveryKey(replacement.options, typed)).close();
    const started = await startDevice(server, replacement.grant, {
      store: replacement.store,
      isRestart: true,
    });
    devices.push(started);
    expect(started.client.identityPublicKey).toEqual(bernd.client.identityPublicKey);
    expect(await storedSecrets(replacement.store)).toEqual(await storedSecrets(bernd.store));
    expect(started.client.takeRecoveryKey()).toBeNull();

    const { conversationId } = await clara.client.createConversation({
      kind: 'direct',
      memberUserIds: [bernd.person.userId],
    });
    await clara.client.sendText(conversationId, 'Bist du wieder da?');
    await textsShown(started, conversationId, 1);
    await started.client.sendText(conversationId, 'Ja, mit neuem Gerät');
    expect(await textsShown(clara, conversationId, 2)).toHaveLength(2);
  });

  it('refuses a wrong key, a typo and another user’s key with typed errors, storing nothing', async () => {
    const dora = await personWithDevice(server, 'dora');
    const emil = await personWithDevice(server, 'emil');
    devices.push(dora, emil);
    const doraKey = dora.client.takeRecoveryKey() ?? '';
    const emilKey = emil.client.takeRecoveryKey() ?? '';
    const sealedBefore = await sealedOf(dora.grant.token);
    const device = await newDeviceOf(server, dora.person);
    const attempt = (key: string) => MessagingClient.bootstrapWithRecoveryKey(device.options, key);
    await expect(attempt(emilKey)).rejects.toMatchObject({ code: 'recovery_key_invalid' });
    const typo = (doraKey.startsWith('A') ? 'B' : 'A') + doraKey.slice(1);
    await expect(attempt(typo)).rejects.toMatchObject({ code: 'recovery_key_mistyped' });
    await expect(attempt('Passwort123')).rejects.toMatchObject({ code: 'recovery_key_mistyped' });
    expect(await hasAccount(device.store)).toBe(false);
    expect(await sealedOf(dora.grant.token)).toBe(sealedBefore);
    // Emil's own devices read only Emil's sealed secrets, which Dora's key does not open.
    expect(await sealedOf(emil.grant.token)).not.toBe(sealedBefore);
    const emilDevice = await newDeviceOf(server, emil.person);
    await expect(
      MessagingClient.bootstrapWithRecoveryKey(emilDevice.options, doraKey),
    ).rejects.toMatchObject({ code: 'recovery_key_invalid' });

    await (await attempt(doraKey)).close();
    await expect(attempt(doraKey)).rejects.toMatchObject({ code: 'already_bootstrapped' });
    await expect(MessagingClient.requestDeviceLink(device.options)).rejects.toMatchObject({
      code: 'already_bootstrapped',
    });
  });

  it('says when the user has no recovery set up, and bounds what the server stores', async () => {
    const person = await newPerson(server, 'falk');
    const device = await newDeviceOf(server, person);
    await expect(
      MessagingClient.bootstrapWithRecoveryKey(
        device.options,
        '0000-0000-0000-0000-0000-0000-0000',
      ),
    ).rejects.toMatchObject({ code: 'recovery_not_set_up' });
    await expectApiError(
      call(server, device.grant.token, 'GET', '/api/me/recovery', recoveryViewSchema),
      { status: 404, code: 'recovery_not_found' },
    );
    const put = (sealedSecrets: string) =>
      call(server, device.grant.token, 'PUT', '/api/me/recovery', recoveryViewSchema, {
        sealedSecrets,
      });
    await expectApiError(put(''), { status: 400, code: 'invalid_request' });
    await expectApiError(put('A'.repeat(1500)), { status: 400, code: 'invalid_request' });
    await expectApiError(put('A'.repeat(5000)), { status: 413, code: 'body_too_large' });
  });
});

describe('user secrets, recovery key and link secrets through the whole stack', () => {
  let server: TestServer;
  const devices: TestDevice[] = [];
  const secrets: string[] = [];
  let identityPublicKey: Uint8Array;

  beforeAll(async () => {
    server = await startMessagingServer({ authRateLimitPerMinute: 1000 });
    const gerda = await personWithDevice(server, 'gerda');
    devices.push(gerda);
    identityPublicKey = gerda.client.identityPublicKey;
    const recoveryKey = gerda.client.takeRecoveryKey() ?? '';
    const phone = await newDeviceOf(server, gerda.person);
    const link = await MessagingClient.requestDeviceLink(phone.options);
    await gerda.client.approveDevice(link.code);
    await (await link.complete({ pollIntervalMs: 25 })).close();
    const tablet = await newDeviceOf(server, gerda.person);
    await (await MessagingClient.bootstrapWithRecoveryKey(tablet.options, recoveryKey)).close();

    const stored = await storedSecrets(gerda.store);
    const qrSecret = link.qrPayload.split(':').at(-1) ?? '';
    for (const text of [stored.identityKey, stored.historyKey, qrSecret]) {
      secrets.push(text, hex(base64urlDecode(text)));
    }
    for (const code of [recoveryKey, link.code]) secrets.push(code, code.replaceAll('-', ''));
    expect(secrets.every((s) => s.length >= 16)).toBe(true);
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  it('appear in no database column, read as text or as hex', async () => {
    const asText = await dumpDatabase(server);
    const asHex = await dumpDatabase(server, 'hex');
    // The hex dump does read the binary columns: the identity public key is there.
    expect(asHex.some((v) => v.includes(hex(identityPublicKey)))).toBe(true);
    for (const secret of secrets) {
      expect(asText.filter((v) => v.includes(secret))).toEqual([]);
      expect(asHex.filter((v) => v.toLowerCase().includes(secret.toLowerCase()))).toEqual([]);
    }
  });

  it('appear in no server log line', () => {
    expect(server.logs.some((line) => line.includes('/api/me/device-links'))).toBe(true);
    for (const secret of secrets) {
      expect(server.logs.filter((line) => line.includes(secret))).toEqual([]);
    }
  });
});
