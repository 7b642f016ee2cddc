import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Upload } from '@tus/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import type { BlobId } from '../../src/files/blob-id.js';
import { openFilesystemBlobStore } from '../../src/files/filesystem-blob-store.js';
import { openBlobStore } from '../../src/files/open-blob-store.js';
import { openS3BlobStore } from '../../src/files/s3-blob-store.js';
import { createS3Client, S3Bucket } from '../../src/files/s3-bucket.js';
import {
  expectBlobError,
  failingSource,
  newBlobId,
  readBlob,
  streamOf,
  writeBytes,
  type BlobStoreBackend,
} from './blob-fixtures.js';
import { describeBlobStoreContract } from './blob-store-contract.js';
import { startS3rver, type RunningS3rver } from './s3rver-harness.js';

const tempDir = (): Promise<string> => mkdtemp(path.join(os.tmpdir(), 'amtsbote-blobs-'));

const filesystem: BlobStoreBackend = {
  name: 'filesystem',
  open: async (clock) => {
    const directory = await tempDir();
    const store = await openFilesystemBlobStore({ directory, clock });
    return {
      store,
      secrets: [directory, os.tmpdir()],
      close: async () => {
        await store.close();
        await rm(directory, { recursive: true, force: true });
      },
    };
  },
};

let s3rver: RunningS3rver | null = null;
const runningS3rver = (): RunningS3rver => {
  if (s3rver === null) throw new Error('s3rver is not running');
  return s3rver;
};

beforeAll(async () => {
  s3rver = await startS3rver();
});

afterAll(async () => {
  await s3rver?.stop();
});

const s3: BlobStoreBackend = {
  name: 's3',
  open: async (clock) => {
    const config = await runningS3rver().createBucket();
    const store = await openS3BlobStore({ config, clock });
    return {
      store,
      secrets: [config.endpoint, '127.0.0.1', config.secretAccessKey, config.accessKeyId],
      close: () => store.close(),
    };
  },
};

describeBlobStoreContract(filesystem);
describeBlobStoreContract(s3);

describe('filesystem blob store', () => {
  it('keeps a blob at objects/<first two hex digits>/<id> in its directory', async () => {
    const directory = await tempDir();
    try {
      const store = await openFilesystemBlobStore({ directory, clock: systemClock });
      const id = newBlobId();
      await writeBytes(store, id, Buffer.from('sharded'));
      const file = await stat(path.join(directory, 'objects', id.slice(0, 2), id));
      expect(file.size).toBe(7);
      expect(await readdir(path.join(directory, 'tmp'))).toEqual([]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('leaves no temp file behind when a write fails', async () => {
    const directory = await tempDir();
    try {
      const store = await openFilesystemBlobStore({ directory, clock: systemClock });
      await expectBlobError(
        store.write(newBlobId(), failingSource(3 * 1024 * 1024), { maxBytes: 10 * 1024 * 1024 }),
        'source_failed',
      );
      await expectBlobError(
        store.write(newBlobId(), streamOf(randomBytes(100)), { maxBytes: 99 }),
        'too_large',
      );
      expect(await readdir(path.join(directory, 'tmp'))).toEqual([]);
      expect(await readdir(path.join(directory, 'objects'))).toEqual([]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('removes temp files older than an hour, left by interrupted writes, when opened', async () => {
    const directory = await tempDir();
    try {
      const clock = new ManualClock(new Date());
      await openFilesystemBlobStore({ directory, clock });
      const stale = path.join(directory, 'tmp', 'stale.partial');
      const recent = path.join(directory, 'tmp', 'recent.partial');
      await writeFile(stale, 'half a blob');
      await writeFile(recent, 'being written');
      const twoHoursAgo = new Date(clock.now().getTime() - 2 * 3600_000);
      await utimes(stale, twoHoursAgo, twoHoursAgo);
      await openFilesystemBlobStore({ directory, clock });
      expect(await readdir(path.join(directory, 'tmp'))).toEqual(['recent.partial']);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('S3 blob store', () => {
  it('keeps blobs under blobs/ and unfinished uploads under uploads/', async () => {
    const config = await runningS3rver().createBucket();
    const store = await openS3BlobStore({ config, clock: systemClock });
    const client = createS3Client(config);
    try {
      const blob = newBlobId();
      await writeBytes(store, blob, Buffer.from('done'));
      const tus = store.uploadStore({ expirationMs: 0 });
      const upload = newBlobId();
      await tus.create(new Upload({ id: upload, size: 100, offset: 0 }));
      await tus.write(streamOf(Buffer.from('partial')), upload, 0);
      const keys: string[] = [];
      for await (const object of new S3Bucket(client, config.bucket).list('')) {
        keys.push(object.key);
      }
      expect(keys.sort()).toEqual(
        [`blobs/${blob}`, `uploads/${upload}/state.json`, `uploads/${upload}/tail-7`].sort(),
      );
    } finally {
      client.destroy();
      await store.close();
    }
  });

  it('refuses to open a bucket that does not exist with unavailable', async () => {
    const config = { ...(await runningS3rver().createBucket()), bucket: 'no-such-bucket' };
    const error = await expectBlobError(
      openS3BlobStore({ config, clock: systemClock }),
      'unavailable',
    );
    expect(error.message).not.toContain(config.endpoint);
  });

  it('reports unavailable, naming neither endpoint nor secret, when the storage is gone', async () => {
    const own = await startS3rver();
    const config = { ...(await own.createBucket()), secretAccessKey: 'S3RVER' };
    const store = await openS3BlobStore({ config, clock: systemClock });
    try {
      const id = newBlobId();
      await writeBytes(store, id, Buffer.from('here'));
      await own.stop();
      const failures = [
        await expectBlobError(store.stat(id), 'unavailable'),
        await expectBlobError(store.read(id), 'unavailable'),
        await expectBlobError(writeBytes(store, newBlobId(), Buffer.from('x')), 'unavailable'),
        await expectBlobError(store.delete(id), 'unavailable'),
      ];
      for (const error of failures) {
        expect(error.message).not.toContain(config.endpoint);
        expect(error.message).not.toContain('127.0.0.1');
        expect(error.message).not.toContain(config.secretAccessKey);
      }
    } finally {
      await store.close();
    }
  });
});

describe('openBlobStore', () => {
  it('opens the filesystem store in <data dir>/blobs by default', async () => {
    const dataDir = await tempDir();
    try {
      const config = loadConfig({ AMTSBOTE_DATA_DIR: dataDir });
      const store = await openBlobStore(config.blobStore, { clock: systemClock });
      expect(store.kind).toBe('filesystem');
      const id = newBlobId();
      await writeBytes(store, id, Buffer.from('in the data directory'));
      expect((await stat(path.join(dataDir, 'blobs', 'objects', id.slice(0, 2), id))).size).toBe(
        21,
      );
      await store.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('opens the S3 store from the AMTSBOTE_S3_* variables', async () => {
    const bucket = await runningS3rver().createBucket();
    const config = loadConfig({
      AMTSBOTE_BLOB_STORE: 's3',
      AMTSBOTE_S3_ENDPOINT: bucket.endpoint,
      AMTSBOTE_S3_BUCKET: bucket.bucket,
      AMTSBOTE_S3_ACCESS_KEY_ID: bucket.accessKeyId,
      AMTSBOTE_S3_SECRET_ACCESS_KEY: bucket.secretAccessKey,
    });
    const store = await openBlobStore(config.blobStore, { clock: systemClock });
    try {
      expect(store.kind).toBe('s3');
      const id: BlobId = newBlobId();
      await writeBytes(store, id, Buffer.from('in the bucket'));
      expect((await readBlob(store, id)).toString()).toBe('in the bucket');
    } finally {
      await store.close();
    }
  });
});
