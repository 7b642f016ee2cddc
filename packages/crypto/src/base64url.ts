const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Character codes of the alphabet, by 6-bit value. */
const ENCODE = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
/** 6-bit value by character code (ASCII only); -1 for characters outside the alphabet. */
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i += 1) DECODE[ALPHABET.charCodeAt(i)] = i;
/** The output is ASCII: decoding its bytes as Latin-1 gives the string without a copy per char. */
const ASCII = new TextDecoder('latin1');

/*
 * RFC 4648 section 5, without padding. Works in browsers and Node alike. Written over typed
 * arrays and character codes, not strings and maps: the outbox holds commits of up to 8 MiB.
 */
export function base64urlEncode(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil((bytes.length * 4) / 3));
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out[o++] = ENCODE[(n >> 18) & 63] ?? 0;
    out[o++] = ENCODE[(n >> 12) & 63] ?? 0;
    out[o++] = ENCODE[(n >> 6) & 63] ?? 0;
    out[o++] = ENCODE[n & 63] ?? 0;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] ?? 0) << 16;
    out[o++] = ENCODE[(n >> 18) & 63] ?? 0;
    out[o++] = ENCODE[(n >> 12) & 63] ?? 0;
  } else if (rest === 2) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8);
    out[o++] = ENCODE[(n >> 18) & 63] ?? 0;
    out[o++] = ENCODE[(n >> 12) & 63] ?? 0;
    out[o++] = ENCODE[(n >> 6) & 63] ?? 0;
  }
  return ASCII.decode(out.subarray(0, o));
}

export class Base64urlError extends Error {
  readonly code = 'invalid_base64url';
}

export function base64urlDecode(text: string): Uint8Array<ArrayBuffer> {
  if (text.length % 4 === 1) throw new Base64urlError('invalid base64url length');
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let o = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    const v = code < 128 ? (DECODE[code] ?? -1) : -1;
    if (v < 0) throw new Base64urlError('invalid base64url character');
    value = ((value << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >> bits) & 0xff;
    }
  }
  // Leftover bits must be zero: otherwise two texts would decode to the same bytes.
  if ((value & ((1 << bits) - 1)) !== 0) throw new Base64urlError('non-canonical base64url');
  return out;
}
