import {
  FileCryptoError,
  base64urlDecode,
  base64urlEncode,
  createFileDecryptor,
  deriveTransferKeys,
  encryptedSize,
  openFileMetadata,
  parseTransferFragment,
  unwrapFileKey,
  type FileMetadata,
  type TransferLinkSecret,
} from '@amtsbote/crypto';
import {
  TRANSFER_PAGE_PATH,
  TRANSFER_TICKET_HEADER,
  transferIdSchema,
  transferOfferSchema,
  transferTicketSchema,
  type TransferOffer,
} from '@amtsbote/protocol';
import { HttpApi } from '../http-api.js';
import { resumingDownload } from './resuming-download.js';

/*
 * The recipient's side of a transfer link, for people with or without an account, in a
 * browser (the download page) and in Node (`amtsbote transfer fetch`). The link's secret and
 * the password stay on this device: the server sees the derived access token only, and the
 * file key is unwrapped here. Nothing of the file is shown before it authenticated: the name
 * and type come from sealed metadata, the bytes from the streaming decryptor, which errors on
 * any change, cut or extension (FileCryptoError) — a caller writing to disk keeps the result
 * only when the stream ended without error.
 */

export interface TransferLink {
  /** The server's origin (and path prefix, if it is served below one). */
  readonly baseUrl: string;
  readonly transferId: string;
  readonly secret: TransferLinkSecret;
}

/** Reads `<base>/t/<id>#<fragment>`; invalid_input (FileCryptoError) for anything else. */
export function parseTransferLink(link: string): TransferLink {
  let url: URL;
  try {
    url = new URL(link);
  } catch (error) {
    throw new FileCryptoError('invalid_input', 'this is not a link', { cause: error });
  }
  const marker = `${TRANSFER_PAGE_PATH}/`;
  const at = url.pathname.lastIndexOf(marker);
  const id = transferIdSchema.safeParse(at < 0 ? '' : url.pathname.slice(at + marker.length));
  if (!id.success || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new FileCryptoError('invalid_input', 'this is not the link of a transfer');
  }
  return {
    baseUrl: `${url.origin}${url.pathname.slice(0, at)}`,
    transferId: id.data,
    secret: parseTransferFragment(url.hash),
  };
}

export interface OpenTransferOptions {
  /** Exactly when the link asks for one (link.secret.passwordProtected). */
  readonly password?: string | null;
  readonly fetch?: typeof globalThis.fetch;
  /** Waits between attempts when a download's connection drops (default a minute in all). */
  readonly retryDelaysMs?: readonly number[];
}

export interface OpenedTransfer {
  readonly offer: TransferOffer;
  /** The file's name, media type and plaintext size, authenticated. */
  readonly metadata: FileMetadata;
  /**
   * Starts a download (it counts against the link's limit, and the sender is told) and streams
   * the decrypted file. A dropped connection is resumed with a range request.
   */
  download(): Promise<ReadableStream<Uint8Array>>;
}

/**
 * Proves the link to the server and reads what it holds. Errors: ApiError with
 * transfer_access_denied (wrong password or damaged link), transfer_expired, transfer_revoked,
 * transfer_exhausted, transfer_locked or transfer_not_found; FileCryptoError when what the
 * server returned does not open with the link (a lying server).
 */
export async function openTransferLink(
  link: string | TransferLink,
  options: OpenTransferOptions = {},
): Promise<OpenedTransfer> {
  const parsed = typeof link === 'string' ? parseTransferLink(link) : link;
  const keys = await deriveTransferKeys(parsed.secret, options.password ?? null);
  const access = base64urlEncode(keys.accessToken);
  const http = new HttpApi({
    baseUrl: parsed.baseUrl,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const base = `/api/transfers/${parsed.transferId}`;
  const offer = await http.request('POST', `${base}/open`, { access }, transferOfferSchema);
  const fileKey = await unwrapFileKey(keys, base64urlDecode(offer.wrappedKey));
  const metadata = await openFileMetadata(fileKey, base64urlDecode(offer.sealedMetadata));
  if (encryptedSize(metadata.size) !== offer.sizeBytes) {
    throw new FileCryptoError('tampered', 'the file on the server is not the one described');
  }
  return {
    offer,
    metadata,
    download: async () => {
      const { ticket } = await http.request(
        'POST',
        `${base}/downloads`,
        { access },
        transferTicketSchema,
      );
      const ciphertext = resumingDownload(
        async (offset) => {
          const headers: Record<string, string> = { [TRANSFER_TICKET_HEADER]: ticket };
          if (offset > 0) headers['range'] = `bytes=${offset}-`;
          const response = await http.fetchRaw('GET', `${base}/content`, headers);
          if (response.body === null) throw new TypeError('the download has no body');
          return response.body;
        },
        {
          totalBytes: offer.sizeBytes,
          ...(options.retryDelaysMs === undefined ? {} : { retryDelaysMs: options.retryDelaysMs }),
        },
      );
      return ciphertext.pipeThrough(
        createFileDecryptor(fileKey, { expectedPlaintextBytes: metadata.size }),
      );
    },
  };
}
