import { constantTimeEqual } from '../constant-time.js';
import { randomBytes } from '../random.js';
import { FileCryptoError } from './file-crypto-error.js';
import { FILE_SALT_BYTES, FILE_TAG_BYTES, chunkNonce } from './file-format.js';
import { encodeFileHeader, type FileHeader } from './file-header.js';
import {
  FILE_KEY_COMMITMENT_LABEL,
  FILE_PAYLOAD_KEY_LABEL,
  deriveAesGcmKey,
  deriveKeyCommitment,
  importFileKeyMaterial,
  type WebCryptoKey,
} from './file-key-derivation.js';

/** The per-chunk AES-256-GCM of the file format (file-format.ts), one chunk per WebCrypto call. */

const TAG_BITS = FILE_TAG_BYTES * 8;

/** What encrypting or decrypting one file's chunks needs: the payload key and the header (AAD). */
export interface ChunkCipher {
  readonly payloadKey: WebCryptoKey;
  readonly headerBytes: Uint8Array<ArrayBuffer>;
}

/** A new header (fresh salt) and payload key for encrypting a file. */
export async function newChunkCipher(
  fileKey: Uint8Array<ArrayBuffer>,
  chunkBytes: number,
): Promise<ChunkCipher> {
  const salt = randomBytes(FILE_SALT_BYTES);
  const material = await importFileKeyMaterial(fileKey);
  const [commitment, payloadKey] = await Promise.all([
    deriveKeyCommitment(material, salt, FILE_KEY_COMMITMENT_LABEL),
    deriveAesGcmKey(material, salt, FILE_PAYLOAD_KEY_LABEL),
  ]);
  return { payloadKey, headerBytes: encodeFileHeader(chunkBytes, salt, commitment) };
}

/** The payload key of a file, after checking that the header commits to this file key. */
export async function chunkCipherFor(
  fileKey: Uint8Array<ArrayBuffer>,
  header: FileHeader,
): Promise<ChunkCipher> {
  const material = await importFileKeyMaterial(fileKey);
  const commitment = await deriveKeyCommitment(material, header.salt, FILE_KEY_COMMITMENT_LABEL);
  if (!constantTimeEqual(commitment, header.keyCommitment)) {
    throw new FileCryptoError(
      'wrong_key',
      'the file was not encrypted with this key (or its header was changed)',
    );
  }
  const payloadKey = await deriveAesGcmKey(material, header.salt, FILE_PAYLOAD_KEY_LABEL);
  return { payloadKey, headerBytes: header.bytes };
}

/**
 * Encrypts one chunk. WebCrypto copies `plaintext` before this returns (it "gets a copy of the
 * bytes held by" its arguments), so the caller may reuse the buffer at once.
 */
export async function encryptChunk(
  cipher: ChunkCipher,
  index: number,
  isFinal: boolean,
  plaintext: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  const sealed = await globalThis.crypto.subtle.encrypt(
    {
      name: 'AES-GCM',
      iv: chunkNonce(index, isFinal),
      additionalData: cipher.headerBytes,
      tagLength: TAG_BITS,
    },
    cipher.payloadKey,
    plaintext,
  );
  return new Uint8Array(sealed);
}

/** Decrypts one chunk; rejects with WebCrypto's error if it does not authenticate. */
export async function decryptChunk(
  cipher: ChunkCipher,
  index: number,
  isFinal: boolean,
  ciphertext: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  const opened = await globalThis.crypto.subtle.decrypt(
    {
      name: 'AES-GCM',
      iv: chunkNonce(index, isFinal),
      additionalData: cipher.headerBytes,
      tagLength: TAG_BITS,
    },
    cipher.payloadKey,
    ciphertext,
  );
  return new Uint8Array(opened);
}

/** Whether a chunk authenticates at this position; for telling errors apart after a failure. */
export async function chunkAuthenticates(
  cipher: ChunkCipher,
  index: number,
  isFinal: boolean,
  ciphertext: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  try {
    await decryptChunk(cipher, index, isFinal, ciphertext);
    return true;
  } catch {
    return false;
  }
}
