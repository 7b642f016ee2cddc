import { Base64urlError, base64urlDecode, base64urlEncode } from '../base64url.js';
import { randomBytes } from '../random.js';
import { FileCryptoError } from './file-crypto-error.js';
import { FILE_KEY_BYTES } from './file-format.js';

/**
 * A file key: 32 random bytes, new for every file. It travels inside an MLS application message
 * (attachments, transfers) or in the URL fragment of an external link, never to the server.
 */

/** The length of a file key as text: base64url without padding. */
export const FILE_KEY_TEXT_LENGTH = 43;

export function generateFileKey(): Uint8Array<ArrayBuffer> {
  return randomBytes(FILE_KEY_BYTES);
}

/** Checks a file key and copies it, so a caller that wipes its copy does not change ours. */
export function copyFileKey(key: Uint8Array): Uint8Array<ArrayBuffer> {
  if (!(key instanceof Uint8Array) || key.length !== FILE_KEY_BYTES) {
    throw new FileCryptoError(
      'invalid_input',
      `a file key is a Uint8Array of ${FILE_KEY_BYTES} bytes`,
    );
  }
  return new Uint8Array(key);
}

/** The key as 43 base64url characters, e.g. for a link's URL fragment. */
export function fileKeyToText(key: Uint8Array): string {
  return base64urlEncode(copyFileKey(key));
}

export function fileKeyFromText(text: string): Uint8Array<ArrayBuffer> {
  if (typeof text !== 'string' || text.length !== FILE_KEY_TEXT_LENGTH) {
    throw new FileCryptoError(
      'invalid_input',
      `a file key is ${FILE_KEY_TEXT_LENGTH} base64url characters`,
    );
  }
  try {
    return base64urlDecode(text);
  } catch (error) {
    if (error instanceof Base64urlError) {
      throw new FileCryptoError(
        'invalid_input',
        `the file key text is not base64url (${error.message})`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}
