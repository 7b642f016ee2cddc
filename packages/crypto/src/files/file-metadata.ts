import { constantTimeEqual } from '../constant-time.js';
import { randomBytes } from '../random.js';
import { FileCryptoError } from './file-crypto-error.js';
import { FILE_KEY_COMMITMENT_BYTES, FILE_NONCE_BYTES, FILE_TAG_BYTES } from './file-format.js';
import {
  FILE_METADATA_KEY_COMMITMENT_LABEL,
  FILE_METADATA_KEY_LABEL,
  deriveAesGcmKey,
  deriveKeyCommitment,
  importFileKeyMaterial,
} from './file-key-derivation.js';
import { copyFileKey } from './file-key.js';
import { checkFileMetadata, type FileMetadata } from './file-metadata-fields.js';

/**
 * A file's name, type and size, sealed under the file key so that only holders of the key learn
 * them. Format, version 1:
 *
 *     record     = version (1 byte) = 1 || nonce (12 bytes, random) || key commitment (32 bytes)
 *               || AES-256-GCM(metadata key, nonce, AAD = version || nonce || key commitment,
 *                              JSON {"name","type","size"} padded with spaces) || tag (16 bytes)
 *     metadata key   = HKDF-SHA-256(ikm = file key, salt = none, info = "amtsbote file v1 metadata", 32)
 *     key commitment = HKDF-SHA-256(ikm = file key, salt = nonce,
 *                                   info = "amtsbote file v1 metadata key commitment", 32)
 *
 * The JSON is padded to a multiple of 128 bytes, so the record's length tells the server the
 * name's length only roughly. Random nonces are safe: a file key seals a handful of records.
 */

export const FILE_METADATA_VERSION = 1;
const PADDING_BYTES = 128;
/** The longest JSON: 255 four-byte characters, an escaped type and a size fit well below. */
const MAX_METADATA_JSON_BYTES = 2048;
const RECORD_HEADER_BYTES = 1 + FILE_NONCE_BYTES + FILE_KEY_COMMITMENT_BYTES;
const MIN_SEALED_FILE_METADATA_BYTES = RECORD_HEADER_BYTES + FILE_TAG_BYTES;
/** The largest sealed metadata record: a size limit for whoever receives or stores one. */
export const MAX_SEALED_FILE_METADATA_BYTES =
  RECORD_HEADER_BYTES + MAX_METADATA_JSON_BYTES + FILE_TAG_BYTES;

const encoder = new TextEncoder();
const EMPTY_SALT = new Uint8Array(0);

function encodeMetadata(metadata: FileMetadata): Uint8Array<ArrayBuffer> {
  const json = JSON.stringify({ name: metadata.name, type: metadata.type, size: metadata.size });
  const bytes = encoder.encode(json);
  const padded = new Uint8Array(Math.ceil(bytes.length / PADDING_BYTES) * PADDING_BYTES);
  padded.fill(0x20); // JSON allows trailing whitespace.
  padded.set(bytes);
  if (padded.length > MAX_METADATA_JSON_BYTES) {
    throw new FileCryptoError('invalid_input', 'the metadata is too long');
  }
  return padded;
}

function decodeMetadata(plaintext: Uint8Array): FileMetadata {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
  } catch (error) {
    throw new FileCryptoError('invalid_metadata', 'the metadata is not UTF-8 JSON', {
      cause: error,
    });
  }
  const check = checkFileMetadata(value);
  if (!check.isValid) {
    throw new FileCryptoError('invalid_metadata', `bad metadata: ${check.problems.join('; ')}`);
  }
  return check.metadata;
}

/** Seals a file's name, type and size under its file key. */
export async function sealFileMetadata(
  key: Uint8Array,
  metadata: FileMetadata,
): Promise<Uint8Array<ArrayBuffer>> {
  const fileKey = copyFileKey(key);
  const check = checkFileMetadata(metadata);
  if (!check.isValid) {
    throw new FileCryptoError('invalid_input', `bad metadata: ${check.problems.join('; ')}`);
  }
  const plaintext = encodeMetadata(check.metadata);
  const material = await importFileKeyMaterial(fileKey);
  fileKey.fill(0);
  const nonce = randomBytes(FILE_NONCE_BYTES);
  const [metadataKey, commitment] = await Promise.all([
    deriveAesGcmKey(material, EMPTY_SALT, FILE_METADATA_KEY_LABEL),
    deriveKeyCommitment(material, nonce, FILE_METADATA_KEY_COMMITMENT_LABEL),
  ]);
  const recordHeader = new Uint8Array(RECORD_HEADER_BYTES);
  recordHeader[0] = FILE_METADATA_VERSION;
  recordHeader.set(nonce, 1);
  recordHeader.set(commitment, 1 + FILE_NONCE_BYTES);
  const sealed = await globalThis.crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: nonce, additionalData: recordHeader, tagLength: FILE_TAG_BYTES * 8 },
    metadataKey,
    plaintext,
  );
  const record = new Uint8Array(RECORD_HEADER_BYTES + sealed.byteLength);
  record.set(recordHeader);
  record.set(new Uint8Array(sealed), RECORD_HEADER_BYTES);
  return record;
}

/** Opens metadata sealed by {@link sealFileMetadata}; throws a FileCryptoError on any problem. */
export async function openFileMetadata(key: Uint8Array, sealed: Uint8Array): Promise<FileMetadata> {
  const fileKey = copyFileKey(key);
  if (!(sealed instanceof Uint8Array)) {
    throw new FileCryptoError('invalid_input', 'sealed metadata is a Uint8Array');
  }
  if (sealed.length > MAX_SEALED_FILE_METADATA_BYTES) {
    throw new FileCryptoError(
      'invalid_input',
      `sealed metadata has at most ${MAX_SEALED_FILE_METADATA_BYTES} bytes, not ${sealed.length}`,
    );
  }
  const version = sealed[0];
  if (version !== undefined && version !== FILE_METADATA_VERSION) {
    throw new FileCryptoError('unsupported_format', `metadata version ${version} is not known`);
  }
  if (sealed.length < MIN_SEALED_FILE_METADATA_BYTES) {
    throw new FileCryptoError(
      'truncated',
      `sealed metadata has at least ${MIN_SEALED_FILE_METADATA_BYTES} bytes, not ${sealed.length}`,
    );
  }
  const own = sealed.slice();
  const recordHeader = own.subarray(0, RECORD_HEADER_BYTES);
  const nonce = own.slice(1, 1 + FILE_NONCE_BYTES);
  const material = await importFileKeyMaterial(fileKey);
  fileKey.fill(0);
  const commitment = await deriveKeyCommitment(material, nonce, FILE_METADATA_KEY_COMMITMENT_LABEL);
  if (!constantTimeEqual(commitment, own.subarray(1 + FILE_NONCE_BYTES, RECORD_HEADER_BYTES))) {
    throw new FileCryptoError('wrong_key', 'the metadata was not sealed with this key');
  }
  const metadataKey = await deriveAesGcmKey(material, EMPTY_SALT, FILE_METADATA_KEY_LABEL);
  let plaintext: ArrayBuffer;
  try {
    plaintext = await globalThis.crypto.subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: nonce,
        additionalData: recordHeader,
        tagLength: FILE_TAG_BYTES * 8,
      },
      metadataKey,
      own.subarray(RECORD_HEADER_BYTES),
    );
  } catch (error) {
    throw new FileCryptoError('tampered', 'the metadata does not authenticate', { cause: error });
  }
  return decodeMetadata(new Uint8Array(plaintext));
}
