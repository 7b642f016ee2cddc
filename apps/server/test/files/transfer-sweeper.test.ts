import { Transfers, openTransferLink, uploadCiphertext } from '@amtsbote/client';
import { createFileEncryptor, encryptedSize, generateFileKey } from '@amtsbote/crypto';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { FilesContext } from '../../src/files/file-service.js';
import {
  TRANSFER_RETENTION_MS,
  UNCLAIMED_FILE_MS,
  UPLOAD_EXPIRATION_MS,
  sweepFiles,
} from '../../src/files/file-sweeper.js';
import {
  closeDevices,
  personWithDevice,
  startMessagingServer,
  type TestDevice,
} from '../client/client-fixtures.js';
import type { TestServer } from '../support/test-server.js';

/* The sweeper's part in transfers, over a real server with its clock moved on: a standalone
   file lives while a transfer may still read it, ended transfers leave their sender's list
   after a while. One timeline; each step builds on the last. */

const HOUR_MS = 3600_000;
const DAY_S = 24 * 3600;

describe('sweepFiles and transfers', () => {
  const clock = new ManualClock(new Date());
  let server: TestServer;
  let ctx: FilesContext;
  let anna: TestDevice;
  let transfers: Transfers;
  const devices: TestDevice[] = [];

  const blobExists = (fileId: string): boolean =>
    existsSync(path.join(server.dataDir, 'blobs', 'objects', fileId.slice(0, 2), fileId));
  const fileRow = (id: string) =>
    ctx.db.selectFrom('files').select('id').where('id', '=', id).executeTakeFirst();
  const transferRow = (id: string) =>
    ctx.db.selectFrom('transfers').select('file_id').where('id', '=', id).executeTakeFirst();
  const sweep = () => sweepFiles(ctx, clock.now());

  /** A complete standalone upload with no transfer yet; returns its id and key. */
  const uploadStandalone = async (bytes: Uint8Array) => {
    const key = generateFileKey();
    const body = new Blob([bytes]).stream().pipeThrough(createFileEncryptor(key));
    const fileId = await uploadCiphertext(server.api(anna.grant.token), {
      body,
      sizeBytes: encryptedSize(bytes.length),
    });
    return { fileId, key };
  };

  let linkedFileId = '';
  let expiringId = '';
  let keptId = '';
  let unclaimedId = '';

  beforeAll(async () => {
    server = await startMessagingServer({ clock, rateLimitPerMinute: 100_000 });
    anna = await personWithDevice(server, 'anna', { isLive: false });
    devices.push(anna);
    const { blobStore, storage } = server.handle;
    ctx = {
      db: storage.db,
      clock,
      blobStore,
      uploads: blobStore.uploadStore({ expirationMs: UPLOAD_EXPIRATION_MS }),
      limits: { maxFileBytes: 1024 ** 3, quotaBytes: 1024 ** 3 },
      // The sweeper starts no downloads.
      notifyTransferDownloaded: () => Promise.resolve(),
    };
    transfers = new Transfers(server.api(anna.grant.token), {
      policy: () => anna.client.policy(),
    });
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  it('keeps standalone files while a transfer reads them or their first transfer may come', async () => {
    const bytes = randomBytes(2000);
    const linked = await uploadStandalone(bytes);
    linkedFileId = linked.fileId;
    const meta = { name: 'a.txt', type: 'text/plain', size: bytes.length };
    // Two links to one file: one expires in an hour, one lives a week.
    expiringId = (
      await transfers.share(linked.fileId, linked.key, meta, { expiresInSeconds: 3600 })
    ).transfer.id;
    keptId = (
      await transfers.share(linked.fileId, linked.key, meta, { expiresInSeconds: 7 * DAY_S })
    ).transfer.id;
    unclaimedId = (await uploadStandalone(randomBytes(100))).fileId;
    expect(await sweep()).toMatchObject({ unusedFiles: 0, endedTransfers: 0 });
    expect(blobExists(unclaimedId)).toBe(true);
  });

  it('removes a standalone file that got no transfer within a day', async () => {
    clock.advance(UNCLAIMED_FILE_MS + HOUR_MS);
    expect(await sweep()).toMatchObject({ unusedFiles: 1, endedTransfers: 0 });
    expect(await fileRow(unclaimedId)).toBeUndefined();
    expect(blobExists(unclaimedId)).toBe(false);
    // The linked file stays: one of its transfers is still live.
    expect(blobExists(linkedFileId)).toBe(true);
  });

  it('removes the file once its last transfer is revoked, and keeps the ended transfer listed', async () => {
    await transfers.revoke(keptId);
    // Revoked: the other transfer expired more than a ticket's lifetime ago, so the file went.
    expect(await fileRow(linkedFileId)).toBeUndefined();
    expect(blobExists(linkedFileId)).toBe(false);
    expect(await transferRow(expiringId)).toEqual({ file_id: null });
    const listed = await transfers.list();
    expect(listed.find((t) => t.id === expiringId)?.state).toBe('expired');
    expect(listed.find((t) => t.id === keptId)?.state).toBe('revoked');
  });

  it('removes a file after its transfer expired and its last ticket ran out', async () => {
    const bytes = randomBytes(500);
    const { fileId, key } = await uploadStandalone(bytes);
    const created = await transfers.share(
      fileId,
      key,
      { name: 'b.txt', type: 'text/plain', size: bytes.length },
      { expiresInSeconds: 3600 },
    );
    // A download starts just before the expiry; its ticket reads for 12 more hours.
    const opened = await openTransferLink(created.link);
    clock.advance(HOUR_MS - 1000);
    const running = await opened.download();
    clock.advance(11 * HOUR_MS);
    expect(await sweep()).toMatchObject({ unusedFiles: 0 });
    expect((await new Response(running).arrayBuffer()).byteLength).toBe(bytes.length);
    clock.advance(2 * HOUR_MS);
    expect(await sweep()).toMatchObject({ unusedFiles: 1 });
    expect(blobExists(fileId)).toBe(false);
  });

  it('forgets transfers 30 days after they ended', async () => {
    // By the rows: anna's session does not outlive 30 days without use.
    const transferCount = async () =>
      (await ctx.db.selectFrom('transfers').select('id').execute()).length;
    expect(await transferCount()).toBe(3);
    // They ended about 38, 14 and 13 hours ago.
    clock.advance(TRANSFER_RETENTION_MS - 14 * HOUR_MS);
    expect(await sweep()).toMatchObject({ endedTransfers: 1 });
    clock.advance(14 * HOUR_MS);
    expect(await sweep()).toMatchObject({ endedTransfers: 2 });
    expect(await transferCount()).toBe(0);
  });
});
