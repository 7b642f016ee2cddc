import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_SKIP_REASON } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('a data directory shared by two servers on PostgreSQL', () => {
  let dataDir: string;
  let first: TestServer | null = null;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'amtsbote-shared-'));
  });
  afterAll(async () => {
    await first?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it.skipIf(POSTGRES_SKIP_REASON !== null)(
    `refuses the second server and leaves the first one's admin socket in place${POSTGRES_SKIP_REASON === null ? '' : ` (skipped: ${POSTGRES_SKIP_REASON})`}`,
    async () => {
      first = await startTestServer({ backend: 'postgres', dataDir });
      const socketBefore = await stat(path.join(dataDir, 'admin.sock'));

      await expect(startTestServer({ backend: 'postgres', dataDir })).rejects.toMatchObject({
        code: 'locked',
      });

      const socketAfter = await stat(path.join(dataDir, 'admin.sock'));
      expect(socketAfter.ino).toBe(socketBefore.ino);
      const health = await fetch(`${first.baseUrl}/healthz`);
      expect(health.status).toBe(200);
    },
  );
});
