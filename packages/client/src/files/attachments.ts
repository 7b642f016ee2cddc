import {
  createFileDecryptor,
  createFileEncryptor,
  encryptedSize,
  fileKeyFromText,
  fileKeyToText,
  generateFileKey,
} from '@amtsbote/crypto';
import {
  attachmentRefSchema,
  type AttachmentRef,
  type ThumbnailRef,
  type MessageContentInput,
  type OrganizationPolicy,
} from '@amtsbote/protocol';
import type { HttpApi } from '../http-api.js';
import type { SentMessage } from '../messaging/message-sender.js';
import type { MessageRecord } from '../messaging/message-store.js';
import { MessagingError } from '../messaging/messaging-error.js';
import { checkFileAllowed } from './file-policy.js';
import {
  checkThumbnail,
  readThumbnail,
  uploadThumbnail,
  type ThumbnailInput,
} from './thumbnails.js';
import { downloadCiphertext, uploadCiphertext } from './file-transport.js';

/*
 * Chat attachments: a file is encrypted on this device under a fresh key as it streams to the
 * server, and the key, name, type and size travel only inside the MLS message that refers to it.
 * Opening an attachment streams the ciphertext back and decrypts it chunk by chunk; a chunk's
 * plaintext comes out only after it authenticated, and the stream errors on any tampering,
 * truncation or extension (FileCryptoError), so a caller writing to disk keeps the result only
 * when the stream ended without error.
 */

export interface FileToSend {
  readonly name: string;
  /** The media type, e.g. application/pdf; application/octet-stream when unknown. */
  readonly mediaType: string;
  readonly sizeBytes: number;
  readonly body: ReadableStream<Uint8Array> | Uint8Array;
  /** The message text beside the file; the file name when absent. */
  readonly caption?: string;
  /** A preview of an image, made on this device (createImageThumbnail in browsers). */
  readonly thumbnail?: ThumbnailInput;
  readonly onProgress?: (sentBytes: number, totalBytes: number) => void;
  /**
   * Cancels sending (`cancelled`): the upload ends and its bytes are deleted on the server.
   * Once the file is uploaded and the message is on its way, it is too late.
   */
  readonly signal?: AbortSignal;
}

export interface SentFile extends SentMessage {
  readonly fileId: string;
}

export interface OpenedAttachment {
  readonly attachment: AttachmentRef;
  readonly body: ReadableStream<Uint8Array>;
}

export interface AttachmentHost {
  send(conversationId: string, content: MessageContentInput): Promise<SentMessage>;
  message(conversationId: string, messageId: string): Promise<MessageRecord | null>;
  /** The organization's policy (its file rules), as the client last read it. */
  policy(): Promise<OrganizationPolicy>;
}

export function asStream(
  body: ReadableStream<Uint8Array> | Uint8Array,
): ReadableStream<Uint8Array> {
  if (!(body instanceof Uint8Array)) return body;
  return new ReadableStream({
    start(controller) {
      controller.enqueue(body);
      controller.close();
    },
  });
}

/** Passes the bytes on and errors when there are more or fewer than declared. */
export function exactly(sizeBytes: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  const mismatch = (): MessagingError =>
    new MessagingError('invalid_request', `the file is not ${sizeBytes} bytes long`);
  return new TransformStream({
    transform(piece, controller) {
      seen += piece.length;
      if (seen > sizeBytes) throw mismatch();
      controller.enqueue(piece);
    },
    flush() {
      if (seen !== sizeBytes) throw mismatch();
    },
  });
}

/** What the message will say of the file, checked before anything is uploaded. */
const fileFieldsSchema = attachmentRefSchema.pick({ name: true, mediaType: true, sizeBytes: true });

export function checkFile(file: FileToSend): void {
  const checked = fileFieldsSchema.safeParse({
    name: file.name.trim(),
    mediaType: file.mediaType,
    sizeBytes: file.sizeBytes,
  });
  if (!checked.success || checked.data.name === '' || checked.data.mediaType === '') {
    throw new MessagingError('invalid_request', 'the file name, type or size is not valid', {
      cause: checked.error,
    });
  }
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) {
    throw new MessagingError('cancelled', 'sending the file was cancelled');
  }
}

export class Attachments {
  readonly #http: HttpApi;
  readonly #host: AttachmentHost;

  constructor(http: HttpApi, host: AttachmentHost) {
    this.#http = http;
    this.#host = host;
  }

  /**
   * Encrypts and uploads the file, then sends the message that refers to it. A file the
   * organization's policy refuses (file_type_not_allowed, file_too_large) is refused before
   * anything is uploaded.
   */
  async sendFile(conversationId: string, file: FileToSend): Promise<SentFile> {
    checkFile(file);
    if (file.thumbnail !== undefined) checkThumbnail(file.thumbnail);
    checkFileAllowed(await this.#host.policy(), file);
    throwIfCancelled(file.signal);
    const thumbnail =
      file.thumbnail === undefined
        ? undefined
        : await uploadThumbnail(this.#http, conversationId, file.thumbnail);
    const key = generateFileKey();
    const ciphertext = asStream(file.body)
      .pipeThrough(exactly(file.sizeBytes))
      .pipeThrough(createFileEncryptor(key));
    let fileId: string | null = null;
    try {
      throwIfCancelled(file.signal);
      fileId = await uploadCiphertext(this.#http, {
        conversationId,
        body: ciphertext,
        sizeBytes: encryptedSize(file.sizeBytes),
        ...(file.onProgress === undefined ? {} : { onProgress: file.onProgress }),
        ...(file.signal === undefined ? {} : { signal: file.signal }),
      });
      throwIfCancelled(file.signal);
    } catch (error) {
      // No message will refer to what was uploaded: it goes now (the sweeper takes what stays).
      key.fill(0);
      for (const id of [fileId, thumbnail?.fileId]) {
        if (id !== null && id !== undefined) await this.#deleteQuietly(id);
      }
      throw error;
    }
    const attachment: AttachmentRef = {
      fileId,
      name: file.name.trim(),
      mediaType: file.mediaType,
      sizeBytes: file.sizeBytes,
      key: fileKeyToText(key),
      ...(thumbnail === undefined ? {} : { thumbnail }),
    };
    key.fill(0);
    const sent = await this.#host.send(conversationId, {
      type: 'text',
      text: file.caption ?? attachment.name,
      attachments: [attachment],
    });
    return { ...sent, fileId };
  }

  async #deleteQuietly(fileId: string): Promise<void> {
    await this.#http
      .fetchRaw('DELETE', `/api/files/${encodeURIComponent(fileId)}`)
      .catch(() => undefined);
  }

  /** The plaintext of a message's attachment, decrypted as it streams from the server. */
  async open(conversationId: string, messageId: string, index = 0): Promise<OpenedAttachment> {
    const attachment = await this.#attachment(conversationId, messageId, index);
    const ciphertext = await downloadCiphertext(this.#http, attachment.fileId);
    const decryptor = createFileDecryptor(fileKeyFromText(attachment.key), {
      expectedPlaintextBytes: attachment.sizeBytes,
    });
    return { attachment, body: ciphertext.pipeThrough(decryptor) };
  }

  /**
   * The thumbnail of a message's attachment, whole and authenticated; null when the sender made
   * none.
   */
  async thumbnail(
    conversationId: string,
    messageId: string,
    index = 0,
  ): Promise<{ readonly thumbnail: ThumbnailRef; readonly bytes: Uint8Array } | null> {
    const { thumbnail } = await this.#attachment(conversationId, messageId, index);
    if (thumbnail === undefined) return null;
    return { thumbnail, bytes: await readThumbnail(this.#http, thumbnail) };
  }

  async #attachment(conversationId: string, messageId: string, index: number) {
    const message = await this.#host.message(conversationId, messageId);
    const attachment =
      message?.content?.type === 'text' ? message.content.attachments[index] : undefined;
    if (attachment === undefined) {
      throw new MessagingError('message_not_found', 'no such attachment on this device');
    }
    return attachment;
  }
}
