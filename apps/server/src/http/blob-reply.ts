import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { parseBlobId } from '../files/blob-id.js';
import type { BlobStore } from '../files/blob-store.js';
import { parseRangeHeader } from '../files/range-header.js';

/**
 * Answers GET or HEAD with a stored blob's bytes: the whole blob, or the one byte range the
 * request asks for (206), or 416 when the range does not fit. Used for chat files and for
 * transfer downloads; the caller has decided that the requester may read the blob.
 */
export async function replyWithBlob(
  request: FastifyRequest,
  reply: FastifyReply,
  blobStore: BlobStore,
  blob: { readonly id: string; readonly sizeBytes: number },
): Promise<FastifyReply> {
  const total = blob.sizeBytes;
  void reply.header('accept-ranges', 'bytes').header('cache-control', 'no-store');
  const wanted = parseRangeHeader(request.headers.range, total);
  if (wanted.kind === 'unsatisfiable') {
    void reply.header('content-range', `bytes */${total}`);
    throw new AppError(416, 'range_not_satisfiable', 'the range is not satisfiable');
  }
  const range = wanted.kind === 'part' ? wanted.range : { offset: 0, lengthBytes: total };
  const body =
    request.method === 'HEAD'
      ? null
      : (await blobStore.read(parseBlobId(blob.id), wanted.kind === 'part' ? range : undefined))
          .body;
  if (wanted.kind === 'part') {
    const last = range.offset + range.lengthBytes - 1;
    void reply.code(206).header('content-range', `bytes ${range.offset}-${last}/${total}`);
  }
  return reply
    .header('content-type', 'application/octet-stream')
    .header('content-length', range.lengthBytes)
    .send(body ?? undefined);
}
