import type { CompletedPart, S3Bucket } from './s3-bucket.js';

/**
 * S3 has no append; a large object is a multipart upload whose parts (at least 5 MiB, except
 * the last) become one object when the upload is completed.
 */
export const MIN_PART_SIZE_BYTES = 5 * 1024 * 1024;
export const DEFAULT_PART_SIZE_BYTES = 8 * 1024 * 1024;

/**
 * Cuts a byte stream into parts of exactly partSizeBytes; a last part may be shorter (never
 * empty). Besides the part it yields, it holds less than one part.
 */
export async function* cutParts(
  chunks: AsyncIterable<Uint8Array>,
  partSizeBytes: number,
): AsyncGenerator<Buffer, void, undefined> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of chunks) {
    let rest = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (pendingBytes + rest.byteLength >= partSizeBytes) {
      const taken = partSizeBytes - pendingBytes;
      pending.push(rest.subarray(0, taken));
      yield Buffer.concat(pending, partSizeBytes);
      pending = [];
      pendingBytes = 0;
      rest = rest.subarray(taken);
    }
    if (rest.byteLength > 0) {
      pending.push(rest);
      pendingBytes += rest.byteLength;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

/**
 * Stores a stream as one object. What fits in one part goes in a single PutObject; anything
 * larger in a multipart upload, part by part, completed after the last one, so the object
 * appears only whole. On failure the multipart upload is aborted and the source closed.
 * Returns the number of bytes stored.
 */
export async function putInParts(
  bucket: S3Bucket,
  key: string,
  chunks: AsyncIterable<Uint8Array>,
  partSizeBytes: number,
): Promise<number> {
  const parts = cutParts(chunks, partSizeBytes);
  const first = await parts.next();
  if (first.done === true) {
    await bucket.put(key, Buffer.alloc(0));
    return 0;
  }
  const second = await parts.next();
  if (second.done === true) {
    await bucket.put(key, first.value);
    return first.value.byteLength;
  }
  let uploadId: string;
  try {
    uploadId = await bucket.createMultipart(key);
  } catch (error) {
    await parts.return();
    throw error;
  }
  try {
    const completed: CompletedPart[] = [];
    let sizeBytes = 0;
    const upload = async (body: Buffer): Promise<void> => {
      const number = completed.length + 1;
      completed.push({ number, etag: await bucket.uploadPart(key, uploadId, number, body) });
      sizeBytes += body.byteLength;
    };
    await upload(first.value);
    await upload(second.value);
    for (let next = await parts.next(); next.done !== true; next = await parts.next()) {
      await upload(next.value);
    }
    await bucket.completeMultipart(key, uploadId, completed);
    return sizeBytes;
  } catch (error) {
    await parts.return();
    await bucket.abortMultipartQuietly(key, uploadId);
    throw error;
  }
}
