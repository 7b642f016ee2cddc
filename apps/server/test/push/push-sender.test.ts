import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { PushSender } from '../../src/push/push-sender.js';
import { generateVapidKeyPair, importVapidKeyPair } from '../../src/push/vapid.js';
import { newReceiver } from './web-push-decryptor.js';

/* How a push service's answers, and its silence, become outcomes. */

describe('PushSender', () => {
  let server: Server;
  let origin: string;
  const receiver = newReceiver();
  const sender = (allowLoopback = true) =>
    new PushSender({
      signer: importVapidKeyPair(generateVapidKeyPair()),
      subject: 'mailto:it@stadt.example',
      policy: { allowLoopback },
      clock: systemClock,
      timeoutMs: 300,
      maxSockets: 2,
    });
  const target = (path: string) => ({
    endpoint: `${origin}${path}`,
    p256dh: receiver.publicKey,
    auth: receiver.auth,
  });
  const plaintext = new TextEncoder().encode('{"type":"activity"}');

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      const status = /^\/status\/(\d{3})$/.exec(request.url ?? '')?.[1];
      // /silent never answers: the sender's deadline must end it.
      if (status === undefined) return;
      response.statusCode = Number(status);
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('tells delivered, gone and refused apart by status', async () => {
    const push = sender();
    try {
      expect(await push.send(target('/status/201'), plaintext)).toEqual({
        kind: 'delivered',
        status: 201,
      });
      expect(await push.send(target('/status/410'), plaintext)).toEqual({
        kind: 'gone',
        status: 410,
      });
      expect(await push.send(target('/status/404'), plaintext)).toEqual({
        kind: 'gone',
        status: 404,
      });
      expect(await push.send(target('/status/429'), plaintext)).toEqual({
        kind: 'rejected',
        status: 429,
      });
      // A redirect is not followed.
      expect(await push.send(target('/status/307'), plaintext)).toEqual({
        kind: 'rejected',
        status: 307,
      });
    } finally {
      push.close();
    }
  });

  it('gives up on a push service that does not answer by the deadline', async () => {
    const push = sender();
    try {
      const startedAt = Date.now();
      expect(await push.send(target('/silent'), plaintext)).toEqual({
        kind: 'failed',
        reason: 'timeout',
      });
      expect(Date.now() - startedAt).toBeLessThan(5_000);
    } finally {
      push.close();
    }
  });

  it('does not connect to loopback without the test flag', async () => {
    const push = sender(false);
    try {
      expect(await push.send(target('/status/201'), plaintext)).toEqual({
        kind: 'failed',
        reason: 'endpoint_refused',
      });
    } finally {
      push.close();
    }
  });

  it('reports a service that cannot be reached, and keys that cannot be used', async () => {
    const push = sender();
    try {
      expect(
        await push.send({ ...target('/x'), endpoint: 'http://127.0.0.1:9/x' }, plaintext),
      ).toEqual({ kind: 'failed', reason: 'network' });
      expect(
        await push.send({ ...target('/status/201'), p256dh: new Uint8Array(65) }, plaintext),
      ).toEqual({ kind: 'failed', reason: 'invalid_keys' });
    } finally {
      push.close();
    }
  });
});
