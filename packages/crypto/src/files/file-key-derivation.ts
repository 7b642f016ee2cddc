import { FILE_KEY_COMMITMENT_BYTES } from './file-format.js';

/**
 * The subkeys of a file key, all HKDF-SHA-256 with one label each. Labels are never reused for
 * another purpose; a new format version gets new labels.
 */

/** Info of the AES-256-GCM key that encrypts the file's chunks (salt: the header's salt). */
export const FILE_PAYLOAD_KEY_LABEL = 'amtsbote file v1 payload';
/** Info of the file header's key commitment (salt: the header's salt). */
export const FILE_KEY_COMMITMENT_LABEL = 'amtsbote file v1 key commitment';
/** Info of the AES-256-GCM key that seals the file's metadata (no salt). */
export const FILE_METADATA_KEY_LABEL = 'amtsbote file v1 metadata';
/** Info of the metadata record's key commitment (salt: the record's nonce). */
export const FILE_METADATA_KEY_COMMITMENT_LABEL = 'amtsbote file v1 metadata key commitment';

/* Named through globalThis so this compiles with the DOM lib and with Node's types alike. */
type Subtle = typeof globalThis.crypto.subtle;
/** A non-extractable WebCrypto key. */
export type WebCryptoKey = Awaited<ReturnType<Subtle['importKey']>>;

const encoder = new TextEncoder();

/** The file key as HKDF input keying material; the raw bytes must be a checked copy. */
export async function importFileKeyMaterial(
  fileKey: Uint8Array<ArrayBuffer>,
): Promise<WebCryptoKey> {
  return globalThis.crypto.subtle.importKey('raw', fileKey, 'HKDF', false, [
    'deriveBits',
    'deriveKey',
  ]);
}

function hkdfParams(
  salt: Uint8Array<ArrayBuffer>,
  label: string,
): { name: string; hash: string; salt: Uint8Array<ArrayBuffer>; info: Uint8Array<ArrayBuffer> } {
  return { name: 'HKDF', hash: 'SHA-256', salt, info: encoder.encode(label) };
}

export async function deriveKeyCommitment(
  material: WebCryptoKey,
  salt: Uint8Array<ArrayBuffer>,
  label: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const bits = await globalThis.crypto.subtle.deriveBits(
    hkdfParams(salt, label),
    material,
    FILE_KEY_COMMITMENT_BYTES * 8,
  );
  return new Uint8Array(bits);
}

export async function deriveAesGcmKey(
  material: WebCryptoKey,
  salt: Uint8Array<ArrayBuffer>,
  label: string,
): Promise<WebCryptoKey> {
  return globalThis.crypto.subtle.deriveKey(
    hkdfParams(salt, label),
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}
