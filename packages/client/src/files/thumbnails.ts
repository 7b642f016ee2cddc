import {
  createFileDecryptor,
  createFileEncryptor,
  encryptedSize,
  fileKeyFromText,
  fileKeyToText,
  generateFileKey,
} from '@amtsbote/crypto';
import {
  MAX_THUMBNAIL_BYTES,
  MAX_THUMBNAIL_EDGE,
  THUMBNAIL_MEDIA_TYPES,
  type ThumbnailRef,
} from '@amtsbote/protocol';
import type { HttpApi } from '../http-api.js';
import { MessagingError } from '../messaging/messaging-error.js';
import { downloadCiphertext, uploadCiphertext } from './file-transport.js';

/*
 * Thumbnails of image attachments: made on the sending device (image-thumbnail.ts in browsers),
 * encrypted under a key of their own and uploaded as a small file of the same conversation; the
 * reference with its key travels inside the MLS message beside the attachment's.
 */

export interface ThumbnailInput {
  readonly bytes: Uint8Array;
  readonly mediaType: (typeof THUMBNAIL_MEDIA_TYPES)[number];
  readonly width: number;
  readonly height: number;
}

const isEdge = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= MAX_THUMBNAIL_EDGE;

/** invalid_request for a thumbnail the message could not carry. */
export function checkThumbnail(thumbnail: ThumbnailInput): void {
  const problem = !(thumbnail.bytes instanceof Uint8Array)
    ? 'its bytes are not a Uint8Array'
    : thumbnail.bytes.length === 0 || thumbnail.bytes.length > MAX_THUMBNAIL_BYTES
      ? `it has 1 to ${MAX_THUMBNAIL_BYTES} bytes`
      : !THUMBNAIL_MEDIA_TYPES.includes(thumbnail.mediaType)
        ? `its type is one of ${THUMBNAIL_MEDIA_TYPES.join(', ')}`
        : !isEdge(thumbnail.width) || !isEdge(thumbnail.height)
          ? `its edges are 1 to ${MAX_THUMBNAIL_EDGE} pixels`
          : null;
  if (problem !== null) {
    throw new MessagingError('invalid_request', `the thumbnail is not valid: ${problem}`);
  }
}

/** Encrypts and uploads a checked thumbnail for the conversation. */
export async function uploadThumbnail(
  http: HttpApi,
  conversationId: string,
  thumbnail: ThumbnailInput,
): Promise<ThumbnailRef> {
  const key = generateFileKey();
  try {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(thumbnail.bytes));
        controller.close();
      },
    }).pipeThrough(createFileEncryptor(key));
    const fileId = await uploadCiphertext(http, {
      conversationId,
      body,
      sizeBytes: encryptedSize(thumbnail.bytes.length),
    });
    return {
      fileId,
      mediaType: thumbnail.mediaType,
      width: thumbnail.width,
      height: thumbnail.height,
      sizeBytes: thumbnail.bytes.length,
      key: fileKeyToText(key),
    };
  } finally {
    key.fill(0);
  }
}

/** The thumbnail's bytes, returned only once all of them authenticated. */
export async function readThumbnail(http: HttpApi, thumbnail: ThumbnailRef): Promise<Uint8Array> {
  const ciphertext = await downloadCiphertext(http, thumbnail.fileId);
  const plaintext = ciphertext.pipeThrough(
    createFileDecryptor(fileKeyFromText(thumbnail.key), {
      expectedPlaintextBytes: thumbnail.sizeBytes,
    }),
  );
  const out = new Uint8Array(thumbnail.sizeBytes);
  const reader = plaintext.getReader();
  for (let at = 0; ;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.set(value, at);
    at += value.length;
  }
}
