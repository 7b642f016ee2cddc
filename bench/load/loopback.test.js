import { fork } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotLoopbackError, assertLoopbackUrl, isLoopbackHost } from './loopback.js';
import { WireClient } from './wire-client.js';

describe('load targets', () => {
  it('are loopback addresses only', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', 'LOCALHOST', '::1', '[::1]']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of [
      '10.0.0.1',
      '192.168.1.20',
      '0.0.0.0',
      '::',
      'fe80::1',
      'example.org',
      '127.0.0.1.example.org',
      'localhost.example.org',
      '',
    ]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  it('refuses a URL that is not loopback before connecting', () => {
    expect(() => assertLoopbackUrl('ws://10.1.2.3:8080/api/ws')).toThrow(NotLoopbackError);
    expect(() => assertLoopbackUrl('not a url')).toThrow(NotLoopbackError);
    expect(
      () => new WireClient({ wsUrl: 'ws://amtsbote.example.org/api/ws', account: { token: 'x' } }),
    ).toThrow(/loopback only/);
  });

  it('makes a load process refuse a target that is not loopback', async () => {
    const child = fork(join(import.meta.dirname, 'load-worker.js'), [], {
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    try {
      const answer = await new Promise((resolve) => {
        child.once('message', resolve);
        child.send({
          id: 1,
          command: 'init',
          args: { target: { kind: 'xmpp', host: '192.0.2.7', port: 5222 }, accounts: [] },
        });
      });
      expect(answer).toMatchObject({ id: 1, error: expect.stringMatching(/loopback only/) });
    } finally {
      child.kill();
    }
  });
});
