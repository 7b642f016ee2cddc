import { base64urlEncode } from './base64url.js';

/** 256 bits: well above the 128 bits a bearer secret needs. */
export const TOKEN_BYTES = 32;

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  globalThis.crypto.getRandomValues(out);
  return out;
}

/** A fresh opaque bearer secret (session, invite or setup token), base64url encoded. */
export function randomToken(): string {
  return base64urlEncode(randomBytes(TOKEN_BYTES));
}
