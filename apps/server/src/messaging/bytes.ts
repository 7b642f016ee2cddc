import { base64urlDecode, base64urlEncode } from '@amtsbote/crypto';
import { AppError } from '../errors.js';

/*
 * MLS objects are opaque bytes to the server. They arrive as base64url over HTTP and raw over
 * the WebSocket, and are stored as bytea, which PGlite returns as Uint8Array and pg as Buffer.
 */

/** The same bytes as a plain Uint8Array view (no copy), whichever driver read them. */
export function asBytes(value: Uint8Array): Uint8Array {
  return value.constructor === Uint8Array
    ? value
    : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

export function encodeBytes(value: Uint8Array): string {
  return base64urlEncode(value);
}

export function invalidField(path: string, message: string): AppError {
  return new AppError(400, 'invalid_request', 'the request is invalid', {
    fields: [{ path, code: 'invalid', message }],
  });
}

/** Decodes base64url input; the schema already bounded its length. Empty input is refused. */
export function decodeBytes(text: string, path: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = base64urlDecode(text);
  } catch (error) {
    throw new AppError(400, 'invalid_request', 'the request is invalid', {
      fields: [{ path, code: 'base64url', message: 'not canonical base64url' }],
      cause: error,
    });
  }
  if (bytes.length === 0) throw invalidField(path, 'must not be empty');
  return bytes;
}

export function decodeOptionalBytes(text: string | undefined, path: string): Uint8Array | null {
  return text === undefined ? null : decodeBytes(text, path);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
