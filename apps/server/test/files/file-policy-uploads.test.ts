import { randomBytes } from 'node:crypto';
import { MessagingError, canSaveFiles } from '@amtsbote/client';
import { encryptedSize } from '@amtsbote/crypto';
import { errorBodySchema, type ErrorCode, type PolicyChange } from '@amtsbote/protocol';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCommandSchema, runAdminCommand } from '../../src/admin/admin-commands.js';
import {
  ORG,
  closeDevices,
  personWithDevice,
  startMessagingServer,
  type Person,
  type TestDevice,
} from '../client/client-fixtures.js';
import type { TestServer } from '../support/test-server.js';
import { listAll, MiB } from './blob-fixtures.js';
import { metadataFor, sendTus } from './tus-requests.js';

/* The organization's file policy at work: the server refuses upload creations over the
   organization's own size limit and quota (below its own), and the sending client refuses a
   file the policy does not allow before it uploads anything. Uploads here are created and
   terminated, never filled: the sizes cost no disk. */

const UPLOADS = '/api/files/uploads';

describe('file policy on uploads', () => {
  let server: TestServer;
  let anna: TestDevice & { person: Person };
  let bernd: TestDevice & { person: Person };
  let conversationId: string;
  const devices: TestDevice[] = [];

  const setPolicy = async (change: PolicyChange): Promise<void> => {
    await runAdminCommand(
      server.handle.identity,
      adminCommandSchema.parse({ command: 'set-policy', org: ORG, ...change }),
    );
  };

  /** Creates an upload of that many bytes by hand (tus), without sending any. */
  const create = (lengthBytes: number): Promise<Response> =>
    sendTus(server.baseUrl, UPLOADS, 'POST', anna.grant.token, {
      'Upload-Length': String(lengthBytes),
      'Upload-Metadata': metadataFor(conversationId),
    });
  const terminate = async (response: Response): Promise<void> => {
    const location = response.headers.get('location') ?? '';
    const ended = await sendTus(server.baseUrl, location, 'DELETE', anna.grant.token);
    expect(ended.status).toBe(204);
  };
  const expectRefusal = async (
    response: Response,
    status: number,
    code: ErrorCode,
  ): Promise<void> => {
    expect(response.status).toBe(status);
    expect(errorBodySchema.parse(await response.json()).error.code).toBe(code);
  };

  /** Rows and blobs: what a refused upload must leave as it was. */
  const stored = async (): Promise<{ rows: unknown[]; blobs: unknown[] }> => {
    const { rows } = await sql`select id, status, size_bytes from files order by id`.execute(
      server.handle.storage.db,
    );
    return { rows, blobs: await listAll(server.handle.blobStore) };
  };

  const fileOf = (name: string, sizeBytes = 1000) => {
    const body = randomBytes(sizeBytes);
    return { name, mediaType: 'application/octet-stream', sizeBytes, body };
  };
  const refusalOf = (promise: Promise<unknown>): Promise<string> =>
    promise.then(
      () => 'none',
      (error: unknown) => (error instanceof MessagingError ? error.code : String(error)),
    );

  beforeAll(async () => {
    server = await startMessagingServer({
      rateLimitPerMinute: 100_000,
      env: { AMTSBOTE_MAX_FILE_MB: '1024', AMTSBOTE_FILE_QUOTA_GB: '4' },
    });
    anna = await personWithDevice(server, 'anna');
    bernd = await personWithDevice(server, 'bernd');
    devices.push(anna, bernd);
    ({ conversationId } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    }));
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  describe('on the server', () => {
    it("refuses a file over the organization's largest file, below the server's", async () => {
      await setPolicy({ maxFileMegabytes: 8 });
      const before = await stored();
      await expectRefusal(await create(8 * MiB + 1), 413, 'file_too_large');
      expect(await stored()).toEqual(before);
      const exactly = await create(8 * MiB);
      expect(exactly.status).toBe(201);
      await terminate(exactly);

      await setPolicy({ maxFileMegabytes: null });
      const serverSized = await create(1024 * MiB);
      expect(serverSized.status).toBe(201);
      await terminate(serverSized);
    });

    it("stops at the organization's quota, below the server's", async () => {
      await setPolicy({ fileQuotaGigabytes: 1 });
      const first = await create(600 * MiB);
      expect(first.status).toBe(201);
      const before = await stored();
      await expectRefusal(await create(600 * MiB), 507, 'file_quota_exceeded');
      expect(await stored()).toEqual(before);

      // Back to the server's 4 GiB: the same upload fits.
      await setPolicy({ fileQuotaGigabytes: null });
      const second = await create(600 * MiB);
      expect(second.status).toBe(201);
      await terminate(first);
      await terminate(second);
    });
  });

  describe('in the sending client', () => {
    it('refuses a denied type before uploading anything, in any letter case', async () => {
      await setPolicy({ fileTypes: { mode: 'deny', extensions: ['exe', 'bat'] } });
      // The client reads the policy on every sync, as it does for read receipts.
      await anna.client.sync();
      const before = await stored();
      for (const name of ['Setup.EXE', 'install.bat', 'rechnung.pdf.exe', 'start.bat. ']) {
        expect(await refusalOf(anna.client.sendFile(conversationId, fileOf(name))), name).toBe(
          'file_type_not_allowed',
        );
      }
      expect(await stored()).toEqual(before);
      expect(await anna.client.pendingMessages(conversationId)).toEqual([]);

      const sent = await anna.client.sendFile(conversationId, fileOf('Dienstplan.pdf'));
      const { rows } = await stored();
      expect(rows).toContainEqual(expect.objectContaining({ id: sent.fileId }));
    });

    it('refuses a type not on an allow list, and a name without extension, and sends a listed one', async () => {
      await setPolicy({ fileTypes: { mode: 'allow', extensions: ['pdf', 'odt'] } });
      await anna.client.sync();
      const before = await stored();
      for (const name of ['Bericht.docx', 'Bericht', 'archiv.pdf.zip']) {
        expect(await refusalOf(anna.client.sendFile(conversationId, fileOf(name))), name).toBe(
          'file_type_not_allowed',
        );
      }
      expect(await stored()).toEqual(before);

      const sent = await anna.client.sendFile(conversationId, fileOf('Bericht 3.2.PDF'));
      expect((await stored()).rows).toContainEqual(expect.objectContaining({ id: sent.fileId }));
      await setPolicy({ fileTypes: { mode: 'deny', extensions: [] } });
    });

    it("refuses a file over the organization's largest file before uploading it", async () => {
      await setPolicy({ maxFileMegabytes: 1 });
      await anna.client.sync();
      const before = await stored();
      // 1 MiB of plaintext is a little more once encrypted: over the limit, as the server counts.
      expect(encryptedSize(MiB)).toBeGreaterThan(MiB);
      expect(await refusalOf(anna.client.sendFile(conversationId, fileOf('gross.pdf', MiB)))).toBe(
        'file_too_large',
      );
      expect(await stored()).toEqual(before);
      const fits = MiB - (encryptedSize(MiB) - MiB);
      expect(encryptedSize(fits)).toBeLessThanOrEqual(MiB);
      await anna.client.sendFile(conversationId, fileOf('passt.pdf', fits));
      expect((await stored()).rows).toHaveLength(before.rows.length + 1);
      await setPolicy({ maxFileMegabytes: null });
    });

    it('tells the app whether files may be saved on the device', async () => {
      expect(canSaveFiles(await bernd.client.policy())).toBe(true);
      await setPolicy({ isFileDownloadAllowed: false });
      await bernd.client.sync();
      expect(canSaveFiles(await bernd.client.policy())).toBe(false);
      await setPolicy({ isFileDownloadAllowed: true });
    });
  });
});
