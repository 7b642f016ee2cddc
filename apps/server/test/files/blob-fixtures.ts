import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { expect } from 'vitest';
import type { Clock } from '../../src/clock.js';
import type { BlobId } from '../../src/files/blob-id.js';
import type { BlobStore } from '../../src/files/blob-store.js';
import { BlobStoreError, type BlobStoreErrorCode } from '../../src/files/blob-store-error.js';

export const MiB = 1024 * 1024;

/** A store under test, fresh and empty. */
export interface BlobStoreFixture {
  readonly store: BlobStore;
  /** Texts no error message may contain: the directory, the endpoint, the credentials. */
  readonly secrets: readonly string[];
  close(): Promise<void>;
}

export interface BlobStoreBackend {
  readonly name: string;
  open(clock: Clock): Promise<BlobStoreFixture>;
}

export const newBlobId = (): BlobId => randomUUID() as BlobId;

export const sha256 = (bytes: Uint8Array): string =>
  createHash('sha256').update(bytes).digest('hex');

/** bytes as a stream of small chunks, the way a request body arrives. */
export function streamOf(bytes: Uint8Array, chunkBytes = 64 * 1024): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let offset = 0; offset < bytes.byteLength; offset += chunkBytes) {
      yield Buffer.from(bytes.subarray(offset, offset + chunkBytes));
      await Promise.resolve();
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** A source that yields bytes (or that many random ones) and then fails, like a dropped connection. */
export function failingSource(bytes: Uint8Array | number): Readable {
  const sent = typeof bytes === 'number' ? randomBytes(bytes) : bytes;
  async function* chunks(): AsyncGenerator<Buffer> {
    yield* streamOf(sent);
    throw new Error('connection reset by peer');
  }
  return Readable.from(chunks(), { objectMode: false });
}

export async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export async function writeBytes(store: BlobStore, id: BlobId, bytes: Uint8Array): Promise<void> {
  await store.write(id, streamOf(bytes), { maxBytes: bytes.byteLength });
}

export async function readBlob(store: BlobStore, id: BlobId): Promise<Buffer> {
  return readAll((await store.read(id)).body);
}

/** The BlobStoreError that promise rejects with, after checking its code. */
export async function expectBlobError(
  promise: Promise<unknown>,
  code: BlobStoreErrorCode,
): Promise<BlobStoreError> {
  const error: unknown = await promise.then(
    () => null,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(BlobStoreError);
  expect((error as BlobStoreError).code).toBe(code);
  return error as BlobStoreError;
}

export async function listAll(
  store: BlobStore,
  options?: { modifiedBefore: Date },
): Promise<{ id: string; sizeBytes: number }[]> {
  const listed: { id: string; sizeBytes: number }[] = [];
  for await (const blob of store.list(options)) {
    listed.push({ id: blob.id, sizeBytes: blob.sizeBytes });
  }
  return listed.sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * Ids that must never reach the disk or the bucket: traversal, separators, other spellings of a
 * UUID, control characters.
 */
export const INVALID_IDS: readonly string[] = [
  '',
  '..',
  '../../etc/passwd',
  '/etc/passwd',
  'objects/00/00000000-0000-4000-8000-000000000000',
  '..%2F..%2Fetc%2Fpasswd',
  '00000000-0000-4000-8000-00000000000A',
  '00000000-0000-4000-8000-000000000000\n',
  '00000000-0000-4000-8000-000000000000/../x',
  '00000000-0000-4000-8000-00000000000\0',
  '00000000000040008000000000000000',
  'blobs/00000000-0000-4000-8000-000000000000',
];
