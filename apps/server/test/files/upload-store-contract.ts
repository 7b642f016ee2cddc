import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ERRORS, Server, Upload, type DataStore } from '@tus/server';
import { describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import type { BlobId } from '../../src/files/blob-id.js';
import type { BlobStore } from '../../src/files/blob-store.js';
import {
  expectBlobError,
  failingSource,
  listAll,
  MiB,
  newBlobId,
  readBlob,
  sha256,
  streamOf,
} from './blob-fixtures.js';

const TUS_HEADERS = { 'Tus-Resumable': '1.0.0' };

const newUpload = (sizeBytes?: number): Upload =>
  new Upload({
    id: newBlobId(),
    offset: 0,
    ...(sizeBytes === undefined ? {} : { size: sizeBytes }),
  });

/** The tus DataStore of a blob store (ADR 0013): uploads land in the store as blobs. */
export function describeUploadStoreContract(store: () => BlobStore, clock: ManualClock): void {
  describe('tus upload store', () => {
    const uploads = (expirationMs = 0): DataStore => store().uploadStore({ expirationMs });

    it('finishes an upload written in two PATCHes into a blob', async () => {
      const tus = uploads();
      const bytes = randomBytes(17 * MiB + 5);
      const { id } = await tus.create(newUpload(bytes.byteLength));
      const first = 10 * MiB + 1;
      expect(await tus.write(streamOf(bytes.subarray(0, first)), id, 0)).toBe(first);
      expect((await tus.getUpload(id)).offset).toBe(first);
      expect(await tus.write(streamOf(bytes.subarray(first)), id, first)).toBe(bytes.byteLength);
      const finished = await tus.getUpload(id);
      expect({ offset: finished.offset, size: finished.size }).toEqual({
        offset: bytes.byteLength,
        size: bytes.byteLength,
      });
      expect(sha256(await readBlob(store(), id as BlobId))).toBe(sha256(bytes));
    });

    it('keeps an unfinished upload out of stat, read and list', async () => {
      const tus = uploads();
      const { id } = await tus.create(newUpload(2 * MiB));
      await tus.write(streamOf(randomBytes(MiB)), id, 0);
      expect(await store().stat(id as BlobId)).toBeNull();
      await expectBlobError(store().read(id as BlobId), 'not_found');
      expect(await listAll(store())).toEqual([]);
    });

    it('continues after short PATCHes and a length declared late', async () => {
      const tus = uploads();
      const bytes = randomBytes(5 * MiB + 7);
      const { id } = await tus.create(newUpload());
      expect(await tus.write(streamOf(bytes.subarray(0, MiB)), id, 0)).toBe(MiB);
      expect(await tus.write(streamOf(bytes.subarray(MiB, 3 * MiB)), id, MiB)).toBe(3 * MiB);
      expect((await tus.getUpload(id)).size).toBeUndefined();
      await tus.declareUploadLength(id, bytes.byteLength);
      expect(await tus.write(streamOf(bytes.subarray(3 * MiB)), id, 3 * MiB)).toBe(
        bytes.byteLength,
      );
      expect(sha256(await readBlob(store(), id as BlobId))).toBe(sha256(bytes));
    });

    it('resumes from the offset it reports after a PATCH whose source failed', async () => {
      const tus = uploads();
      const bytes = randomBytes(12 * MiB);
      const { id } = await tus.create(newUpload(bytes.byteLength));
      await expect(tus.write(failingSource(bytes.subarray(0, 10 * MiB)), id, 0)).rejects.toThrow();
      const { offset } = await tus.getUpload(id);
      expect(offset).toBeLessThanOrEqual(10 * MiB);
      expect(await tus.write(streamOf(bytes.subarray(offset)), id, offset)).toBe(bytes.byteLength);
      expect(sha256(await readBlob(store(), id as BlobId))).toBe(sha256(bytes));
    });

    it('creates an empty upload as an empty blob at once', async () => {
      const tus = uploads();
      const { id } = await tus.create(newUpload(0));
      expect(await store().stat(id as BlobId)).toMatchObject({ sizeBytes: 0 });
      expect((await tus.getUpload(id)).offset).toBe(0);
    });

    it('refuses a PATCH at another offset than the upload has', async () => {
      const tus = uploads();
      const { id } = await tus.create(newUpload(100));
      await tus.write(streamOf(randomBytes(10)), id, 0);
      await expect(tus.write(streamOf(randomBytes(10)), id, 5)).rejects.toBe(ERRORS.INVALID_OFFSET);
      expect((await tus.getUpload(id)).offset).toBe(10);
    });

    it('answers FILE_NOT_FOUND for unknown uploads and ids that are not blob ids', async () => {
      const tus = uploads();
      for (const id of [newBlobId(), '../../etc/passwd', '..', 'ABC']) {
        await expect(tus.getUpload(id)).rejects.toBe(ERRORS.FILE_NOT_FOUND);
        await expect(tus.write(streamOf(Buffer.from('x')), id, 0)).rejects.toBe(
          ERRORS.FILE_NOT_FOUND,
        );
        await expect(tus.declareUploadLength(id, 10)).rejects.toBe(ERRORS.FILE_NOT_FOUND);
        await expect(tus.remove(id)).rejects.toBe(ERRORS.FILE_NOT_FOUND);
      }
    });

    it('removes an unfinished upload, and a finished one with its blob', async () => {
      const tus = uploads();
      const unfinished = await tus.create(newUpload(100));
      await tus.write(streamOf(randomBytes(10)), unfinished.id, 0);
      await tus.remove(unfinished.id);
      await expect(tus.getUpload(unfinished.id)).rejects.toBe(ERRORS.FILE_NOT_FOUND);
      const finished = await tus.create(newUpload(3));
      await tus.write(streamOf(Buffer.from('abc')), finished.id, 0);
      await tus.remove(finished.id);
      expect(await store().stat(finished.id as BlobId)).toBeNull();
    });

    it('deletes expired unfinished uploads and never a blob', async () => {
      const tus = uploads(3600_000);
      const expired = await tus.create(newUpload(100));
      await tus.write(streamOf(randomBytes(10)), expired.id, 0);
      const finished = await tus.create(newUpload(3));
      await tus.write(streamOf(Buffer.from('abc')), finished.id, 0);
      clock.advance(2 * 3600_000);
      const fresh = await tus.create(newUpload(100));
      expect(await tus.deleteExpired()).toBe(1);
      await expect(tus.getUpload(expired.id)).rejects.toBe(ERRORS.FILE_NOT_FOUND);
      expect((await tus.getUpload(fresh.id)).offset).toBe(0);
      expect((await readBlob(store(), finished.id as BlobId)).toString()).toBe('abc');
      expect(await uploads(0).deleteExpired()).toBe(0);
    });

    it('takes a tus upload over HTTP into a blob, and serves no downloads', async () => {
      const tus = new Server({
        path: '/files',
        datastore: uploads(),
        namingFunction: () => randomUUID(),
      });
      const server = http.createServer((request, response) => {
        void tus.handle(request, response);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const bytes = randomBytes(9 * MiB + 11);
        const created = await fetch(`${base}/files`, {
          method: 'POST',
          headers: { ...TUS_HEADERS, 'Upload-Length': String(bytes.byteLength) },
        });
        expect(created.status).toBe(201);
        const location = created.headers.get('location') ?? '';
        const id = location.split('/').pop() ?? '';
        const patch = (from: number, to: number): Promise<Response> =>
          fetch(location, {
            method: 'PATCH',
            headers: {
              ...TUS_HEADERS,
              'Upload-Offset': String(from),
              'Content-Type': 'application/offset+octet-stream',
            },
            body: bytes.subarray(from, to),
          });
        const head = (url: string): Promise<Response> =>
          fetch(url, { method: 'HEAD', headers: TUS_HEADERS });

        const first = await patch(0, 6 * MiB);
        expect(first.status).toBe(204);
        expect((await head(location)).headers.get('upload-offset')).toBe(String(6 * MiB));
        const second = await patch(6 * MiB, bytes.byteLength);
        expect(second.status).toBe(204);
        expect(second.headers.get('upload-offset')).toBe(String(bytes.byteLength));
        const done = await head(location);
        expect(done.headers.get('upload-offset')).toBe(String(bytes.byteLength));
        expect(done.headers.get('upload-length')).toBe(String(bytes.byteLength));
        expect(sha256(await readBlob(store(), id as BlobId))).toBe(sha256(bytes));

        expect((await fetch(location, { headers: TUS_HEADERS })).status).toBe(404);
        expect((await head(`${base}/files/${randomUUID()}`)).status).toBe(404);
        expect((await head(`${base}/files/..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });
}
