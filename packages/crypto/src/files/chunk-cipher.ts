import { constantTimeEqual } from '../constant-time.js';
import { findNativeCrypto } from '../mls/native-crypto.js';
import { randomBytes } from '../random.js';
import { FileCryptoError } from './file-crypto-error.js';
import { FILE_SALT_BYTES } from './file-format.js';
import { encodeFileHeader, type FileHeader } from './file-header.js';
import { nativeChunkCipherBackend } from './native-chunk-cipher.js';
import { webCryptoChunkCipherBackend } from './webcrypto-chunk-cipher.js';

/*
 * The per-chunk AES-256-GCM of the file format (file-format.ts) on one of two backends that
 * write the same bytes: node:crypto in Node, synchronous, one chunk per call (as ADR 0009 does
 * for MLS), and WebCrypto elsewhere (browsers). WebCrypto in Node waits for the thread pool and
 * copies each chunk on the main thread: it ran at about half the speed (docs/performance.md).
 */

/** The cipher of one file's chunks: the payload key and the header (AAD of every chunk). */
export interface ChunkCipher {
  readonly headerBytes: Uint8Array<ArrayBuffer>;
  /**
   * Chunks to keep in flight (OrderedPipeline): 0 where a call finishes before it returns, more
   * where each waits for another thread.
   */
  readonly chunksInFlight: number;
  /**
   * Encrypts one chunk: its ciphertext and tag, in one part or two (node:crypto gives them
   * apart; joining them would cost a copy and an allocation per chunk). The plaintext is copied
   * before this returns, so it may be reused.
   */
  encrypt(
    index: number,
    isFinal: boolean,
    plaintext: Uint8Array<ArrayBuffer>,
  ): Promise<readonly Uint8Array<ArrayBuffer>[]>;
  /** Decrypts one chunk; rejects if it does not authenticate at this position. */
  decrypt(
    index: number,
    isFinal: boolean,
    ciphertext: Uint8Array<ArrayBuffer>,
  ): Promise<Uint8Array<ArrayBuffer>>;
}

/** Where the chunk cipher's primitives come from. */
export interface ChunkCipherBackend {
  readonly name: string;
  /** The header's key commitment of (file key, salt). */
  keyCommitment(
    fileKey: Uint8Array<ArrayBuffer>,
    salt: Uint8Array<ArrayBuffer>,
  ): Promise<Uint8Array<ArrayBuffer>>;
  /** The chunk cipher under the payload key of (file key, salt). */
  chunkCipher(
    fileKey: Uint8Array<ArrayBuffer>,
    salt: Uint8Array<ArrayBuffer>,
    headerBytes: Uint8Array<ArrayBuffer>,
  ): Promise<ChunkCipher>;
}

/** node:crypto where there is one (Node), else WebCrypto. */
export function defaultChunkCipherBackend(): ChunkCipherBackend {
  const native = findNativeCrypto();
  return native === null ? webCryptoChunkCipherBackend() : nativeChunkCipherBackend(native);
}

/** A new header (fresh salt) and its chunk cipher, for encrypting a file. */
export async function newChunkCipher(
  backend: ChunkCipherBackend,
  fileKey: Uint8Array<ArrayBuffer>,
  chunkBytes: number,
): Promise<ChunkCipher> {
  const salt = randomBytes(FILE_SALT_BYTES);
  const commitment = await backend.keyCommitment(fileKey, salt);
  return backend.chunkCipher(fileKey, salt, encodeFileHeader(chunkBytes, salt, commitment));
}

/** The chunk cipher of a file, after checking that the header commits to this file key. */
export async function chunkCipherFor(
  backend: ChunkCipherBackend,
  fileKey: Uint8Array<ArrayBuffer>,
  header: FileHeader,
): Promise<ChunkCipher> {
  const commitment = await backend.keyCommitment(fileKey, header.salt);
  if (!constantTimeEqual(commitment, header.keyCommitment)) {
    throw new FileCryptoError(
      'wrong_key',
      'the file was not encrypted with this key (or its header was changed)',
    );
  }
  return backend.chunkCipher(fileKey, header.salt, header.bytes);
}

/** Whether a chunk authenticates at this position; for telling errors apart after a failure. */
export async function chunkAuthenticates(
  cipher: ChunkCipher,
  index: number,
  isFinal: boolean,
  ciphertext: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  try {
    await cipher.decrypt(index, isFinal, ciphertext);
    return true;
  } catch {
    return false;
  }
}
