import type { NativeCrypto } from '../mls/native-crypto.js';
import { nativeHashFunctions } from '../mls/native-primitives.js';
import type { ChunkCipher, ChunkCipherBackend } from './chunk-cipher.js';
import { FILE_KEY_COMMITMENT_BYTES, FILE_TAG_BYTES, chunkNonce } from './file-format.js';
import { FILE_KEY_COMMITMENT_LABEL, FILE_PAYLOAD_KEY_LABEL } from './file-key-derivation.js';

/**
 * The chunk cipher over node:crypto (Node): HKDF-SHA-256 and AES-256-GCM, each chunk in one
 * synchronous native call on the main thread, so nothing is kept in flight. The same bytes as
 * the WebCrypto backend (chunk-cipher.test.ts checks both ways).
 */

const PAYLOAD_KEY_BYTES = 32;
const encoder = new TextEncoder();

/** Node's output as a Uint8Array over its own ArrayBuffer, copied only if it is a view. */
function ownBytes(buffer: Uint8Array): Uint8Array<ArrayBuffer> {
  const whole = buffer.buffer;
  if (
    whole instanceof ArrayBuffer &&
    buffer.byteOffset === 0 &&
    whole.byteLength === buffer.length
  ) {
    return new Uint8Array(whole);
  }
  return new Uint8Array(buffer);
}

export function nativeChunkCipherBackend(native: NativeCrypto): ChunkCipherBackend {
  const hkdf = nativeHashFunctions(native, 'sha256');
  const derive = (fileKey: Uint8Array, salt: Uint8Array, label: string, length: number) =>
    hkdf.hkdfExpand(hkdf.hkdfExtract(salt, fileKey), encoder.encode(label), length);
  return {
    name: 'node:crypto',
    keyCommitment: (fileKey, salt) =>
      Promise.resolve(
        ownBytes(derive(fileKey, salt, FILE_KEY_COMMITMENT_LABEL, FILE_KEY_COMMITMENT_BYTES)),
      ),
    chunkCipher(fileKey, salt, headerBytes): Promise<ChunkCipher> {
      const payloadKey = derive(fileKey, salt, FILE_PAYLOAD_KEY_LABEL, PAYLOAD_KEY_BYTES);
      const options = { authTagLength: FILE_TAG_BYTES };
      const encrypt = (index: number, isFinal: boolean, plaintext: Uint8Array) => {
        const nonce = chunkNonce(index, isFinal);
        const cipher = native.createCipheriv('aes-256-gcm', payloadKey, nonce, options);
        cipher.setAAD(headerBytes);
        const body = cipher.update(plaintext);
        cipher.final(); // GCM is a stream mode: nothing is held back
        return [ownBytes(body), ownBytes(cipher.getAuthTag())];
      };
      const decrypt = (index: number, isFinal: boolean, ciphertext: Uint8Array) => {
        if (ciphertext.length < FILE_TAG_BYTES) throw new Error('a chunk shorter than its tag');
        const bodyLength = ciphertext.length - FILE_TAG_BYTES;
        const nonce = chunkNonce(index, isFinal);
        const decipher = native.createDecipheriv('aes-256-gcm', payloadKey, nonce, options);
        decipher.setAAD(headerBytes);
        decipher.setAuthTag(ciphertext.subarray(bodyLength));
        const body = decipher.update(ciphertext.subarray(0, bodyLength));
        decipher.final(); // throws when the tag does not verify
        return ownBytes(body);
      };
      return Promise.resolve({
        headerBytes,
        chunksInFlight: 0,
        // Synchronous calls behind the asynchronous interface: a throw becomes a rejection.
        encrypt: (index, isFinal, plaintext) =>
          new Promise((resolve) => resolve(encrypt(index, isFinal, plaintext))),
        decrypt: (index, isFinal, ciphertext) =>
          new Promise((resolve) => resolve(decrypt(index, isFinal, ciphertext))),
      });
    },
  };
}
