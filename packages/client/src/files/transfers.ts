import {
  base64urlEncode,
  createFileEncryptor,
  deriveTransferKeys,
  encryptedSize,
  fileKeyFromText,
  generateFileKey,
  generateTransferSecret,
  sealFileMetadata,
  transferAccessHash,
  transferFragment,
  wrapFileKey,
  type FileMetadata,
} from '@amtsbote/crypto';
import {
  TRANSFER_PAGE_PATH,
  transferListSchema,
  transferSchema,
  type AttachmentRef,
  type OrganizationPolicy,
  type Transfer,
} from '@amtsbote/protocol';
import type { HttpApi } from '../http-api.js';
import { MessagingError } from '../messaging/messaging-error.js';
import { checkFile, exactly, asStream, type FileToSend } from './attachments.js';
import { checkFileAllowed } from './file-policy.js';
import { uploadCiphertext } from './file-transport.js';

/*
 * The sender's side of transfers ("Dateitransfer"): a file encrypted here is uploaded once and
 * shared by links, each with its own secret, expiry, download limit and optional password
 * (packages/protocol/src/transfers.ts). A chat attachment can be shared the same way without a
 * second upload. The link is the only place the secret exists: it is returned once and kept
 * nowhere; a lost link is revoked and made again.
 */

export interface TransferOptions {
  readonly expiresInSeconds: number;
  /** null or absent: unlimited until expiry. */
  readonly maxDownloads?: number | null;
  /** A second secret besides the link, to be passed on another way (phone, letter). */
  readonly password?: string | null;
}

export interface CreatedTransfer {
  readonly transfer: Transfer;
  /** `<server>/t/<id>#<secret>`: whoever has it (and the password) can download the file. */
  readonly link: string;
}

export type FileToTransfer = Omit<FileToSend, 'caption'>;

export interface TransferHost {
  /** The organization's policy (its file rules), as the client last read it. */
  policy(): Promise<OrganizationPolicy>;
}

export class Transfers {
  readonly #http: HttpApi;
  readonly #host: TransferHost;

  constructor(http: HttpApi, host: TransferHost) {
    this.#http = http;
    this.#host = host;
  }

  /**
   * Encrypts and uploads a file that belongs to no conversation, and makes its first link. A
   * file the organization's policy refuses is refused before anything is uploaded.
   */
  async send(file: FileToTransfer, options: TransferOptions): Promise<CreatedTransfer> {
    checkFile(file);
    checkOptions(options);
    checkFileAllowed(await this.#host.policy(), file);
    const key = generateFileKey();
    try {
      const fileId = await uploadCiphertext(this.#http, {
        body: asStream(file.body)
          .pipeThrough(exactly(file.sizeBytes))
          .pipeThrough(createFileEncryptor(key)),
        sizeBytes: encryptedSize(file.sizeBytes),
        ...(file.onProgress === undefined ? {} : { onProgress: file.onProgress }),
      });
      return await this.share(
        fileId,
        key,
        { name: file.name.trim(), type: file.mediaType, size: file.sizeBytes },
        options,
      );
    } finally {
      key.fill(0);
    }
  }

  /** A link to a chat attachment this device has (the server lets members share it). */
  async shareAttachment(
    attachment: AttachmentRef,
    options: TransferOptions,
  ): Promise<CreatedTransfer> {
    const key = fileKeyFromText(attachment.key);
    try {
      return await this.share(
        attachment.fileId,
        key,
        { name: attachment.name, type: attachment.mediaType, size: attachment.sizeBytes },
        options,
      );
    } finally {
      key.fill(0);
    }
  }

  /** A new link to a complete file whose key this device holds. */
  async share(
    fileId: string,
    fileKey: Uint8Array,
    metadata: FileMetadata,
    options: TransferOptions,
  ): Promise<CreatedTransfer> {
    checkOptions(options);
    const password = options.password ?? null;
    const link = { secret: generateTransferSecret(), passwordProtected: password !== null };
    const keys = await deriveTransferKeys(link, password);
    const transfer = await this.#http.request(
      'POST',
      '/api/transfers',
      {
        fileId,
        expiresInSeconds: options.expiresInSeconds,
        maxDownloads: options.maxDownloads ?? null,
        passwordProtected: link.passwordProtected,
        accessHash: base64urlEncode(await transferAccessHash(keys.accessToken)),
        wrappedKey: base64urlEncode(await wrapFileKey(keys, fileKey)),
        sealedMetadata: base64urlEncode(await sealFileMetadata(fileKey, metadata)),
      },
      transferSchema,
    );
    const url = `${this.#http.baseUrl}${TRANSFER_PAGE_PATH}/${transfer.id}#${transferFragment(link)}`;
    link.secret.fill(0);
    return { transfer, link: url };
  }

  /** The user's transfers, newest first, with their downloads. */
  async list(): Promise<Transfer[]> {
    return (await this.#http.request('GET', '/api/transfers', undefined, transferListSchema))
      .transfers;
  }

  /** Ends a transfer at once: its link opens nothing any more, running downloads stop. */
  async revoke(transferId: string): Promise<Transfer> {
    return this.#http.request(
      'DELETE',
      `/api/transfers/${encodeURIComponent(transferId)}`,
      undefined,
      transferSchema,
    );
  }
}

function checkOptions(options: TransferOptions): void {
  if (options.password === '') {
    throw new MessagingError('invalid_request', 'the password is empty');
  }
}
