import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { PushApi } from '@amtsbote/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { VAPID_KEY_FILE, loadVapidSigner } from '../../src/push/vapid-key-file.js';
import { generateVapidKeyPair } from '../../src/push/vapid.js';
import { expectApiError } from '../sessions/identity-fixtures.js';
import { setupFirstOrganization, startTestServer } from '../support/test-server.js';

/* Where the server's VAPID key comes from, and what happens when it cannot have one. */

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

describe('the VAPID key', () => {
  let dataDir: string;
  let logs: string[];
  const logger = () =>
    createLogger(
      'info',
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          logs.push(chunk.toString('utf8'));
          callback();
        },
      }),
    );
  const load = (env: Record<string, string> = {}) =>
    loadVapidSigner({
      config: loadConfig({ AMTSBOTE_DATA_DIR: dataDir, ...env }).push,
      dataDir,
      clock: systemClock,
      logger: logger(),
    });

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'amtsbote-vapid-'));
    logs = [];
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is made on the first start, kept readable by the server only, and used from then on', async () => {
    const first = await load();
    const file = path.join(dataDir, VAPID_KEY_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const second = await load();
    expect(second?.publicKey).toEqual(first?.publicKey);
    const stored = JSON.parse(await readFile(file, 'utf8')) as { publicKey: string };
    expect(stored.publicKey).toBe(b64(first?.publicKey ?? new Uint8Array()));
  });

  it('comes from AMTSBOTE_VAPID_* when set, and then no file is written', async () => {
    const pair = generateVapidKeyPair();
    const signer = await load({
      AMTSBOTE_VAPID_PRIVATE_KEY: b64(pair.privateKey),
      AMTSBOTE_VAPID_PUBLIC_KEY: b64(pair.publicKey),
    });
    expect(signer?.publicKey).toEqual(pair.publicKey);
    await expect(stat(path.join(dataDir, VAPID_KEY_FILE))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('turns web push off with an error line, and leaves a damaged key file alone', async () => {
    const secretLooking = `{"privateKey":"${'k'.repeat(43)}", oops`;
    const file = path.join(dataDir, VAPID_KEY_FILE);
    await writeFile(file, secretLooking, { mode: 0o600 });
    expect(await load()).toBeNull();
    expect(await readFile(file, 'utf8')).toBe(secretLooking);
    const line = logs.find((l) => l.includes('web push disabled'));
    expect(line).toContain('"problem":"malformed"');
    expect(line).toContain('AMTSBOTE_VAPID_PRIVATE_KEY');
    expect(logs.join('')).not.toContain('k'.repeat(43));
  });

  it('makes a server without a key answer push_unavailable, and start all the same', async () => {
    await writeFile(path.join(dataDir, VAPID_KEY_FILE), 'not json', { mode: 0o600 });
    const server = await startTestServer({ dataDir });
    try {
      const admin = await setupFirstOrganization(server);
      const push = new PushApi(server.api(admin.token));
      await expectApiError(push.vapidKey(), { status: 503, code: 'push_unavailable' });
      await expectApiError(
        push.subscribe({
          endpoint: 'https://push.example.net/x',
          keys: { p256dh: 'A'.repeat(87), auth: 'A'.repeat(22) },
        }),
        { status: 503, code: 'push_unavailable' },
      );
      await push.unsubscribe();
      expect(server.logs.join('')).toContain('web push disabled');
    } finally {
      await server.close();
    }
  });
});
