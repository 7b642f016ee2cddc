import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { BlobId } from '../../src/files/blob-id.js';
import type { BlobStore, ByteRange } from '../../src/files/blob-store.js';
import type { BlobStoreError } from '../../src/files/blob-store-error.js';
import {
  expectBlobError,
  failingSource,
  INVALID_IDS,
  listAll,
  MiB,
  newBlobId,
  readAll,
  readBlob,
  sha256,
  streamOf,
  writeBytes,
  type BlobStoreBackend,
  type BlobStoreFixture,
} from './blob-fixtures.js';
import { describeUploadStoreContract } from './upload-store-contract.js';

/** Larger than two S3 parts of 8 MiB, and not a multiple of anything. */
const LARGE_BYTES = 17 * MiB + 3;

/**
 * The behaviour every blob store shares, registered once per backend so both report the same
 * test names. Each test gets a fresh, empty store.
 */
export function describeBlobStoreContract(backend: BlobStoreBackend): void {
  describe(`blob store on ${backend.name}`, () => {
    const clock = new ManualClock();
    let fixture: BlobStoreFixture | null = null;
    const store = (): BlobStore => {
      if (fixture === null) throw new Error('the store is not open');
      return fixture.store;
    };

    beforeEach(async () => {
      fixture = await backend.open(clock);
    });

    afterEach(async () => {
      await fixture?.close();
      fixture = null;
    });

    describe('write and read', () => {
      it('reads back an empty blob', async () => {
        const id = newBlobId();
        expect(await store().write(id, streamOf(Buffer.alloc(0)), { maxBytes: 10 })).toEqual({
          sizeBytes: 0,
        });
        const read = await store().read(id);
        expect({ totalBytes: read.totalBytes, lengthBytes: read.lengthBytes }).toEqual({
          totalBytes: 0,
          lengthBytes: 0,
        });
        expect((await readAll(read.body)).byteLength).toBe(0);
      });

      it('reads back a small blob', async () => {
        const id = newBlobId();
        const bytes = Buffer.from('ciphertext, opaque to the server');
        expect(await store().write(id, streamOf(bytes), { maxBytes: 1024 })).toEqual({
          sizeBytes: bytes.byteLength,
        });
        expect(await readBlob(store(), id)).toEqual(bytes);
      });

      it('reads back a multi-MiB blob written as a stream of small chunks', async () => {
        const id = newBlobId();
        const bytes = randomBytes(LARGE_BYTES);
        await store().write(id, streamOf(bytes), { maxBytes: 32 * MiB });
        const read = await store().read(id);
        expect(read.totalBytes).toBe(LARGE_BYTES);
        expect(sha256(await readAll(read.body))).toBe(sha256(bytes));
      });

      it('replaces a blob written again under the same id', async () => {
        const id = newBlobId();
        await writeBytes(store(), id, Buffer.from('first'));
        await writeBytes(store(), id, Buffer.from('second version'));
        expect((await readBlob(store(), id)).toString()).toBe('second version');
      });

      it('stores exactly maxBytes and refuses one byte more with too_large', async () => {
        const fits = newBlobId();
        await store().write(fits, streamOf(randomBytes(1000)), { maxBytes: 1000 });
        expect((await store().stat(fits))?.sizeBytes).toBe(1000);
        const tooLarge = newBlobId();
        await expectBlobError(
          store().write(tooLarge, streamOf(randomBytes(1001)), { maxBytes: 1000 }),
          'too_large',
        );
        expect(await store().stat(tooLarge)).toBeNull();
      });

      for (const [what, bytesBefore] of [
        ['a small', 100 * 1024],
        ['a multipart-sized', 12 * MiB],
      ] as const) {
        it(`leaves no blob when the source of ${what} write fails midway`, async () => {
          const id = newBlobId();
          const error = await expectBlobError(
            store().write(id, failingSource(bytesBefore), { maxBytes: 32 * MiB }),
            'source_failed',
          );
          expect(error.cause).toBeInstanceOf(Error);
          expect(await store().stat(id)).toBeNull();
          await expectBlobError(store().read(id), 'not_found');
          expect(await listAll(store())).toEqual([]);
        });
      }
    });

    describe('ranges', () => {
      const bytes = Buffer.from('0123456789abcdefghij');
      const readRange = async (id: BlobId, range: ByteRange): Promise<string> => {
        const read = await store().read(id, range);
        const text = (await readAll(read.body)).toString();
        expect(read.totalBytes).toBe(bytes.byteLength);
        expect(read.offset).toBe(range.offset);
        expect(read.lengthBytes).toBe(text.length);
        return text;
      };

      it('reads a range at the start, in the middle and at the end', async () => {
        const id = newBlobId();
        await writeBytes(store(), id, bytes);
        expect(await readRange(id, { offset: 0, lengthBytes: 5 })).toBe('01234');
        expect(await readRange(id, { offset: 8, lengthBytes: 4 })).toBe('89ab');
        expect(await readRange(id, { offset: 16, lengthBytes: 4 })).toBe('ghij');
      });

      it('reads the first byte alone and the last byte alone', async () => {
        const id = newBlobId();
        await writeBytes(store(), id, bytes);
        expect(await readRange(id, { offset: 0, lengthBytes: 1 })).toBe('0');
        expect(await readRange(id, { offset: 19, lengthBytes: 1 })).toBe('j');
      });

      it('reads an open-ended range to the end', async () => {
        const id = newBlobId();
        await writeBytes(store(), id, bytes);
        expect(await readRange(id, { offset: 13, lengthBytes: null })).toBe('defghij');
        expect(await readRange(id, { offset: 0, lengthBytes: null })).toBe(bytes.toString());
      });

      it('cuts a range that reaches past the end at the end', async () => {
        const id = newBlobId();
        await writeBytes(store(), id, bytes);
        expect(await readRange(id, { offset: 15, lengthBytes: 100 })).toBe('fghij');
      });

      it('reads a range across the part boundaries of a large blob', async () => {
        const id = newBlobId();
        const large = randomBytes(LARGE_BYTES);
        await writeBytes(store(), id, large);
        for (const offset of [8 * MiB - 100, 16 * MiB - 1, LARGE_BYTES - 200]) {
          const read = await store().read(id, { offset, lengthBytes: 200 });
          expect(await readAll(read.body)).toEqual(large.subarray(offset, offset + 200));
        }
      });

      it('refuses ranges that do not fit with invalid_range', async () => {
        const id = newBlobId();
        await writeBytes(store(), id, bytes);
        const invalid: ByteRange[] = [
          { offset: 20, lengthBytes: null },
          { offset: 21, lengthBytes: 1 },
          { offset: -1, lengthBytes: 2 },
          { offset: 1.5, lengthBytes: 2 },
          { offset: Number.NaN, lengthBytes: 2 },
          { offset: 0, lengthBytes: 0 },
          { offset: 0, lengthBytes: -5 },
          { offset: 0, lengthBytes: 2.5 },
        ];
        for (const range of invalid) {
          await expectBlobError(store().read(id, range), 'invalid_range');
        }
      });

      it('refuses every range of an empty blob with invalid_range', async () => {
        const id = newBlobId();
        await writeBytes(store(), id, Buffer.alloc(0));
        await expectBlobError(store().read(id, { offset: 0, lengthBytes: null }), 'invalid_range');
        await expectBlobError(store().read(id, { offset: 0, lengthBytes: 1 }), 'invalid_range');
      });

      it('reports not_found for a range of a missing blob', async () => {
        await expectBlobError(
          store().read(newBlobId(), { offset: 0, lengthBytes: 1 }),
          'not_found',
        );
      });
    });

    describe('stat and delete', () => {
      it('reports the size and the time of a blob', async () => {
        const id = newBlobId();
        const before = Date.now();
        await writeBytes(store(), id, randomBytes(4321));
        const after = Date.now();
        const stat = await store().stat(id);
        expect(stat?.sizeBytes).toBe(4321);
        // S3 keeps whole seconds.
        expect(stat?.modifiedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
        expect(stat?.modifiedAt.getTime()).toBeLessThanOrEqual(after + 1000);
      });

      it('answers null for a blob that does not exist', async () => {
        expect(await store().stat(newBlobId())).toBeNull();
      });

      it('rejects a read of a missing blob with not_found', async () => {
        await expectBlobError(store().read(newBlobId()), 'not_found');
      });

      it('deletes a blob, and deleting it again succeeds', async () => {
        const id = newBlobId();
        const other = newBlobId();
        await writeBytes(store(), id, Buffer.from('gone soon'));
        await writeBytes(store(), other, Buffer.from('stays'));
        await store().delete(id);
        expect(await store().stat(id)).toBeNull();
        await expectBlobError(store().read(id), 'not_found');
        await store().delete(id);
        expect((await readBlob(store(), other)).toString()).toBe('stays');
      });

      it('succeeds deleting a blob that never existed', async () => {
        await expect(store().delete(newBlobId())).resolves.toBeUndefined();
      });
    });

    describe('ids', () => {
      it('refuses an id that is not a lowercase UUID in every method with invalid_id', async () => {
        for (const raw of INVALID_IDS) {
          const id = raw as BlobId;
          await expectBlobError(
            store().write(id, streamOf(Buffer.from('x')), { maxBytes: 10 }),
            'invalid_id',
          );
          await expectBlobError(store().read(id), 'invalid_id');
          await expectBlobError(store().read(id, { offset: 0, lengthBytes: 1 }), 'invalid_id');
          await expectBlobError(store().stat(id), 'invalid_id');
          await expectBlobError(store().delete(id), 'invalid_id');
        }
        expect(await listAll(store())).toEqual([]);
      });

      it('never names the storage location or a credential in an error message', async () => {
        const id = newBlobId();
        await writeBytes(store(), id, Buffer.from('abc'));
        const errors: BlobStoreError[] = [
          await expectBlobError(store().read(newBlobId()), 'not_found'),
          await expectBlobError(store().read('../../x' as BlobId), 'invalid_id'),
          await expectBlobError(store().read(id, { offset: 9, lengthBytes: 1 }), 'invalid_range'),
          await expectBlobError(
            store().write(newBlobId(), failingSource(10), { maxBytes: 100 }),
            'source_failed',
          ),
          await expectBlobError(
            store().write(newBlobId(), streamOf(Buffer.alloc(20)), { maxBytes: 10 }),
            'too_large',
          ),
        ];
        const secrets = fixture?.secrets ?? [];
        expect(secrets.length).toBeGreaterThan(0);
        for (const error of errors) {
          for (const secret of secrets) expect(error.message).not.toContain(secret);
        }
      });
    });

    describe('list', () => {
      it('lists nothing in an empty store', async () => {
        expect(await listAll(store())).toEqual([]);
      });

      it('lists every blob with its size', async () => {
        const ids = [newBlobId(), newBlobId(), newBlobId()];
        for (const [index, id] of ids.entries()) {
          await writeBytes(store(), id, randomBytes(index * 10));
        }
        expect(await listAll(store())).toEqual(
          ids
            .map((id, index) => ({ id, sizeBytes: index * 10 }))
            .sort((a, b) => a.id.localeCompare(b.id)),
        );
      });

      it('lists only the blobs written before a time', async () => {
        const older = newBlobId();
        await writeBytes(store(), older, Buffer.from('older'));
        // S3 keeps whole seconds: the cutoff is the next whole second, and the newer blob
        // is written after it.
        const cutoff = new Date(Math.ceil((Date.now() + 1) / 1000) * 1000);
        await sleep(cutoff.getTime() - Date.now() + 50);
        const newer = newBlobId();
        await writeBytes(store(), newer, Buffer.from('newer'));
        expect(await listAll(store(), { modifiedBefore: cutoff })).toEqual([
          { id: older, sizeBytes: 5 },
        ]);
        expect((await listAll(store())).map((blob) => blob.id).sort()).toEqual(
          [older, newer].sort(),
        );
      });
    });

    describeUploadStoreContract(store, clock);
  });
}
