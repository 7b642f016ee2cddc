import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobId } from '../../src/files/blob-id.js';
import { ManualClock } from '../../src/clock.js';
import type { FilesContext } from '../../src/files/file-service.js';
import { sweepFiles, UPLOAD_EXPIRATION_MS } from '../../src/files/file-sweeper.js';
import { isTusError } from '../../src/files/tus-errors.js';
import {
  closeDevices,
  personWithDevice,
  startMessagingServer,
  type TestDevice,
} from '../client/client-fixtures.js';
import type { TestServer } from '../support/test-server.js';
import { MiB, newBlobId, readBlob, writeBytes } from './blob-fixtures.js';
import { metadataFor, sendTus, uploadBytes } from './tus-requests.js';

/* The file sweeper over a real server: uploads go through tus over HTTP, the sweep is called
   directly with the server's clock moved on. One timeline; each step builds on the last. */

const UPLOADS = '/api/files/uploads';
const HOUR_MS = 3600_000;
/** The server runs with AMTSBOTE_FILE_QUOTA_GB=1. */
const QUOTA_BYTES = 1024 * MiB;

describe('sweepFiles', () => {
  // Starts at the real time: the filesystem dates blobs by the real clock, the sweep by this one.
  const clock = new ManualClock(new Date());
  let server: TestServer;
  let ctx: FilesContext;
  let anna: TestDevice;
  let conversationId = '';
  const devices: TestDevice[] = [];

  const send = (
    location: string,
    method: string,
    headers: Record<string, string>,
    body?: Uint8Array,
  ): Promise<Response> =>
    sendTus(server.baseUrl, location, method, anna.grant.token, headers, body);

  const create = (lengthBytes: number): Promise<Response> =>
    send(UPLOADS, 'POST', {
      'Upload-Length': String(lengthBytes),
      'Upload-Metadata': metadataFor(conversationId),
    });

  /** Creates an upload of lengthBytes, sends the first bytes, and returns its id. */
  const upload = async (lengthBytes: number, bytes: Uint8Array): Promise<BlobId> =>
    (await uploadBytes(
      server.baseUrl,
      anna.grant.token,
      conversationId,
      bytes,
      lengthBytes,
    )) as BlobId;

  const rowOf = async (id: string): Promise<{ status: string } | undefined> =>
    ctx.db.selectFrom('files').select('status').where('id', '=', id).executeTakeFirst();

  /** The unfinished upload's offset, or null when its bytes are gone. */
  const uploadedBytes = async (id: string): Promise<number | null> => {
    try {
      return (await ctx.uploads.getUpload(id)).offset;
    } catch (error) {
      if (isTusError(error, 'FILE_NOT_FOUND')) return null;
      throw error;
    }
  };

  /** What the filesystem store keeps of unfinished uploads, by name. */
  const stagedUploads = (): Promise<string[]> =>
    readdir(path.join(server.dataDir, 'blobs', 'uploads'));

  let completeId: BlobId;
  const completeBytes = randomBytes(5000);
  let oldUploadId: BlobId;
  let youngUploadId: BlobId;
  let youngOrphanId: BlobId;

  beforeAll(async () => {
    server = await startMessagingServer({
      clock,
      rateLimitPerMinute: 100_000,
      env: { AMTSBOTE_MAX_FILE_MB: '1024', AMTSBOTE_FILE_QUOTA_GB: '1' },
    });
    anna = await personWithDevice(server, 'anna', { isLive: false });
    const bernd = await personWithDevice(server, 'bernd', { isLive: false });
    devices.push(anna, bernd);
    ({ conversationId } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    }));
    const { blobStore, storage } = server.handle;
    ctx = {
      db: storage.db,
      clock,
      blobStore,
      // Over the same directory as the server's: unfinished uploads live there, not in memory.
      uploads: blobStore.uploadStore({ expirationMs: UPLOAD_EXPIRATION_MS }),
      limits: { maxFileBytes: QUOTA_BYTES, quotaBytes: QUOTA_BYTES },
      // The sweeper starts no downloads.
      notifyTransferDownloaded: () => Promise.resolve(),
    };
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  it('keeps a blob without a row while it is younger than an hour', async () => {
    completeId = await upload(completeBytes.byteLength, completeBytes);
    // Nearly the whole quota, of which 1000 bytes arrive.
    oldUploadId = await upload(QUOTA_BYTES - MiB, randomBytes(1000));
    youngOrphanId = newBlobId();
    await writeBytes(server.handle.blobStore, youngOrphanId, randomBytes(100));

    expect(await sweepFiles(ctx, clock.now())).toEqual({
      expiredUploads: 0,
      orphanedBlobs: 0,
      unusedFiles: 0,
      endedTransfers: 0,
    });
    expect(await server.handle.blobStore.stat(youngOrphanId)).not.toBeNull();
    expect(await rowOf(completeId)).toEqual({ status: 'complete' });
    expect(await uploadedBytes(oldUploadId)).toBe(1000);
  });

  it('removes a blob without a row once it is older than an hour, never one with a row', async () => {
    clock.advance(2 * HOUR_MS);
    expect(await sweepFiles(ctx, clock.now())).toEqual({
      expiredUploads: 0,
      orphanedBlobs: 1,
      unusedFiles: 0,
      endedTransfers: 0,
    });
    expect(await server.handle.blobStore.stat(youngOrphanId)).toBeNull();
    expect((await readBlob(server.handle.blobStore, completeId)).equals(completeBytes)).toBe(true);
    expect(await rowOf(oldUploadId)).toEqual({ status: 'uploading' });
  });

  it('removes an unfinished upload older than a day: its row, its bytes and its quota', async () => {
    // The old upload is 23 hours old when the young one starts, 25 when the sweep runs.
    clock.advance(21 * HOUR_MS);
    youngUploadId = await upload(3000, randomBytes(2000));
    clock.advance(2 * HOUR_MS);
    expect((await create(2 * MiB)).status).toBe(507);
    expect(await stagedUploads()).toContain(oldUploadId);

    expect(await sweepFiles(ctx, clock.now())).toEqual({
      expiredUploads: 1,
      orphanedBlobs: 0,
      unusedFiles: 0,
      endedTransfers: 0,
    });
    expect(await rowOf(oldUploadId)).toBeUndefined();
    expect(await uploadedBytes(oldUploadId)).toBeNull();
    expect((await stagedUploads()).filter((name) => name.startsWith(oldUploadId))).toEqual([]);
    const freed = await create(2 * MiB);
    expect(freed.status).toBe(201);
    const terminated = await send(freed.headers.get('location') ?? '', 'DELETE', {});
    expect(terminated.status).toBe(204);
  });

  it('keeps a younger unfinished upload, which can still be finished', async () => {
    expect(await rowOf(youngUploadId)).toEqual({ status: 'uploading' });
    expect(await uploadedBytes(youngUploadId)).toBe(2000);
    const last = await send(
      `${UPLOADS}/${youngUploadId}`,
      'PATCH',
      { 'Upload-Offset': '2000', 'Content-Type': 'application/offset+octet-stream' },
      randomBytes(1000),
    );
    expect(last.status).toBe(204);
    expect(await rowOf(youngUploadId)).toEqual({ status: 'complete' });
  });

  it('keeps complete files however old they are', async () => {
    clock.advance(400 * 24 * HOUR_MS);
    expect(await sweepFiles(ctx, clock.now())).toEqual({
      expiredUploads: 0,
      orphanedBlobs: 0,
      unusedFiles: 0,
      endedTransfers: 0,
    });
    for (const [id, sizeBytes] of [
      [completeId, completeBytes.byteLength],
      [youngUploadId, 3000],
    ] as const) {
      expect(await rowOf(id)).toEqual({ status: 'complete' });
      expect((await server.handle.blobStore.stat(id))?.sizeBytes).toBe(sizeBytes);
    }
    expect((await readBlob(server.handle.blobStore, completeId)).equals(completeBytes)).toBe(true);
  });
});
