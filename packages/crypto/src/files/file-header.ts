import { FileCryptoError } from './file-crypto-error.js';
import {
  FILE_FORMAT_VERSION,
  FILE_HEADER_BYTES,
  FILE_KEY_COMMITMENT_BYTES,
  FILE_MAGIC,
  FILE_SALT_BYTES,
  MAX_FILE_CHUNK_BYTES,
  MIN_FILE_CHUNK_BYTES,
  isValidChunkBytes,
} from './file-format.js';

/** The header of an encrypted file (layout in file-format.ts). */
export interface FileHeader {
  readonly version: typeof FILE_FORMAT_VERSION;
  /** Plaintext bytes of every chunk but the last. */
  readonly chunkBytes: number;
  readonly salt: Uint8Array<ArrayBuffer>;
  readonly keyCommitment: Uint8Array<ArrayBuffer>;
  /** The header's bytes as read: the associated data of every chunk. */
  readonly bytes: Uint8Array<ArrayBuffer>;
}

const VERSION_OFFSET = FILE_MAGIC.length;
const CHUNK_BYTES_OFFSET = VERSION_OFFSET + 1;
const SALT_OFFSET = CHUNK_BYTES_OFFSET + 4;
const COMMITMENT_OFFSET = SALT_OFFSET + FILE_SALT_BYTES;

export function encodeFileHeader(
  chunkBytes: number,
  salt: Uint8Array,
  keyCommitment: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(FILE_HEADER_BYTES);
  bytes.set(FILE_MAGIC);
  bytes[VERSION_OFFSET] = FILE_FORMAT_VERSION;
  new DataView(bytes.buffer).setUint32(CHUNK_BYTES_OFFSET, chunkBytes);
  bytes.set(salt, SALT_OFFSET);
  bytes.set(keyCommitment, COMMITMENT_OFFSET);
  return bytes;
}

/**
 * Reads a header from the start of `bytes`. Returns null while more bytes are needed, but
 * throws as soon as the bytes present rule the header out (another format or version), so a
 * stream of something else fails on its first bytes.
 */
export function readFileHeader(bytes: Uint8Array): FileHeader | null {
  const magicPresent = Math.min(bytes.length, FILE_MAGIC.length);
  for (let i = 0; i < magicPresent; i++) {
    if (bytes[i] !== FILE_MAGIC[i]) {
      throw new FileCryptoError('unsupported_format', 'not an Amtsbote encrypted file');
    }
  }
  const version = bytes[VERSION_OFFSET];
  if (version === undefined) return null;
  if (version !== FILE_FORMAT_VERSION) {
    throw new FileCryptoError(
      'unsupported_format',
      `encrypted file version ${version} is not known (this code reads version ${FILE_FORMAT_VERSION})`,
    );
  }
  if (bytes.length < FILE_HEADER_BYTES) return null;
  const own = bytes.slice(0, FILE_HEADER_BYTES);
  const chunkBytes = new DataView(own.buffer).getUint32(CHUNK_BYTES_OFFSET);
  if (!isValidChunkBytes(chunkBytes)) {
    // Version 1 never writes another chunk size: the header was changed.
    throw new FileCryptoError(
      'tampered',
      `the header's chunk size ${chunkBytes} is outside ${MIN_FILE_CHUNK_BYTES}–${MAX_FILE_CHUNK_BYTES}`,
    );
  }
  return {
    version: FILE_FORMAT_VERSION,
    chunkBytes,
    salt: own.slice(SALT_OFFSET, COMMITMENT_OFFSET),
    keyCommitment: own.slice(COMMITMENT_OFFSET, COMMITMENT_OFFSET + FILE_KEY_COMMITMENT_BYTES),
    bytes: own,
  };
}

/**
 * Parses the header at the start of an encrypted file (further bytes are ignored), e.g. to
 * resume a download at a chunk: see createFileDecryptor's `header` option.
 */
export function parseFileHeader(bytes: Uint8Array): FileHeader {
  const header = readFileHeader(bytes);
  if (header === null) {
    throw new FileCryptoError(
      'truncated',
      `a file header has ${FILE_HEADER_BYTES} bytes, not ${bytes.length}`,
    );
  }
  return header;
}
