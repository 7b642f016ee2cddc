import { z } from 'zod';
import { storageUnavailable } from './blob-store-error.js';
import type { BlobId } from './blob-id.js';
import type { S3Bucket } from './s3-bucket.js';
import { uploadStateKey } from './s3-keys.js';

/** Parts of one S3 multipart upload: S3 allows 10,000. */
const MAX_PARTS = 10_000;

const uploadStateSchema = z.object({
  version: z.literal(1),
  multipartUploadId: z.string().min(1).max(1024),
  /** null while the client defers the length (tus creation-defer-length). */
  sizeBytes: z.number().int().min(0).nullable(),
  createdAt: z.iso.datetime(),
  /** tus Upload-Metadata, as @tus/server parsed it (bounded by Node's header size limit). */
  metadata: z.record(z.string(), z.string().nullable()),
  parts: z
    .array(
      z.object({
        number: z.number().int().min(1).max(MAX_PARTS),
        etag: z.string().min(1).max(1024),
        sizeBytes: z.number().int().min(1),
      }),
    )
    .max(MAX_PARTS),
  /** Bytes after the last part, too few for a part of their own (s3-keys.ts uploadTailKey). */
  tail: z
    .object({ endOffset: z.number().int().min(1), sizeBytes: z.number().int().min(1) })
    .nullable(),
});

/**
 * What the S3 store knows about an unfinished tus upload, kept as an object in the bucket
 * next to its parts. S3's ListParts would tell the parts too, but not every S3-compatible
 * server implements it (s3rver does not); keeping our own list needs only PutObject and
 * GetObject, and any instance of the server can continue the upload.
 */
export type UploadState = z.infer<typeof uploadStateSchema>;

/** Bytes received so far: the parts and the tail. */
export function uploadOffset(state: UploadState): number {
  return state.parts.reduce((sum, part) => sum + part.sizeBytes, 0) + (state.tail?.sizeBytes ?? 0);
}

export async function loadUploadState(bucket: S3Bucket, id: BlobId): Promise<UploadState | null> {
  const bytes = await bucket.getBytes(uploadStateKey(id));
  if (bytes === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw storageUnavailable(error);
  }
  const parsed = uploadStateSchema.safeParse(value);
  if (!parsed.success) throw storageUnavailable(parsed.error);
  return parsed.data;
}

export async function saveUploadState(
  bucket: S3Bucket,
  id: BlobId,
  state: UploadState,
): Promise<void> {
  await bucket.put(uploadStateKey(id), Buffer.from(JSON.stringify(state), 'utf8'));
}
