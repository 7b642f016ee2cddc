import { base64urlEncode } from './base64url.js';

export async function sha256(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', data));
}

/**
 * The form in which a bearer token is stored and looked up: SHA-256 of its text, base64url.
 * Tokens carry 256 bits of randomness, so a fast hash is enough; no salt is needed for lookup.
 */
export async function hashToken(token: string): Promise<string> {
  return base64urlEncode(await sha256(new TextEncoder().encode(token)));
}
