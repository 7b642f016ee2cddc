/** Canonical (lower-case, hyphenated) UUID text; any version, as the server issues v4 and v7. */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const UUID_BYTES = 16;

export function isUuid(text: string): boolean {
  return UUID_PATTERN.test(text);
}

/** The 16 bytes of a canonical UUID text, or null when the text is not one. */
export function uuidToBytes(text: string): Uint8Array<ArrayBuffer> | null {
  if (!isUuid(text)) return null;
  const hex = text.replaceAll('-', '');
  const out = new Uint8Array(UUID_BYTES);
  for (let i = 0; i < UUID_BYTES; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function uuidFromBytes(bytes: Uint8Array): string | null {
  if (bytes.length !== UUID_BYTES) return null;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
