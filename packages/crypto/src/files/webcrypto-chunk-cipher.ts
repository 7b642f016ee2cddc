import type { ChunkCipher, ChunkCipherBackend } from './chunk-cipher.js';
import { FILE_TAG_BYTES, chunkNonce } from './file-format.js';
import {
  FILE_KEY_COMMITMENT_LABEL,
  FILE_PAYLOAD_KEY_LABEL,
  deriveAesGcmKey,
  deriveKeyCommitment,
  importFileKeyMaterial,
} from './file-key-derivation.js';
import { CHUNKS_IN_FLIGHT } from './ordered-pipeline.js';

/**
 * The chunk cipher over WebCrypto (browsers): one chunk per call, several in flight, since
 * each call waits for a worker thread.
 */

const TAG_BITS = FILE_TAG_BYTES * 8;

export function webCryptoChunkCipherBackend(): ChunkCipherBackend {
  return {
    name: 'WebCrypto',
    async keyCommitment(fileKey, salt) {
      const material = await importFileKeyMaterial(fileKey);
      return deriveKeyCommitment(material, salt, FILE_KEY_COMMITMENT_LABEL);
    },
    async chunkCipher(fileKey, salt, headerBytes): Promise<ChunkCipher> {
      const material = await importFileKeyMaterial(fileKey);
      const payloadKey = await deriveAesGcmKey(material, salt, FILE_PAYLOAD_KEY_LABEL);
      const params = (index: number, isFinal: boolean) => ({
        name: 'AES-GCM',
        iv: chunkNonce(index, isFinal),
        additionalData: headerBytes,
        tagLength: TAG_BITS,
      });
      return {
        headerBytes,
        chunksInFlight: CHUNKS_IN_FLIGHT,
        // WebCrypto "gets a copy of the bytes held by" its arguments before it returns.
        encrypt: async (index, isFinal, plaintext) => [
          new Uint8Array(
            await globalThis.crypto.subtle.encrypt(params(index, isFinal), payloadKey, plaintext),
          ),
        ],
        decrypt: async (index, isFinal, ciphertext) =>
          new Uint8Array(
            await globalThis.crypto.subtle.decrypt(params(index, isFinal), payloadKey, ciphertext),
          ),
      };
    },
  };
}
