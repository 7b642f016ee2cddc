/**
 * Record keys as file names. A key may hold any character ('../', '/', NUL, emoji), so it is
 * never used as a path directly: its UTF-8 bytes are kept when they are [a-z0-9-] and written as
 * `_xx` (lowercase hex) otherwise. The result has no '.', '/', '\\' or capital letter, so it can
 * neither leave its directory nor collide on a case-insensitive file system.
 *
 * File systems limit a name to 255 bytes, while an encoded key may reach 768 * 3 characters,
 * so the encoding is cut into segments of SEGMENT_CHARS: every segment but the last is a
 * directory ('d' + chunk), the last is the file ('k' + chunk). The prefixes keep a directory
 * apart from a file of the same chunk and rule out reserved names such as Windows' 'con'.
 */

const SEGMENT_CHARS = 120;
const FILE_PREFIX = 'k';
const DIRECTORY_PREFIX = 'd';
const ESCAPE = '_';
const HEX_PAIR = /^[0-9a-f]{2}$/;

function isPlainByte(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x2d;
}

function encodeKey(key: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(key)) {
    out += isPlainByte(byte)
      ? String.fromCharCode(byte)
      : ESCAPE + byte.toString(16).padStart(2, '0');
  }
  return out;
}

/** The inverse of encodeKey for canonical encodings only; null for anything else. */
function decodeKey(encoded: string): string | null {
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const code = encoded.charCodeAt(i);
    if (encoded[i] === ESCAPE) {
      const pair = encoded.slice(i + 1, i + 3);
      if (!HEX_PAIR.test(pair)) return null;
      const byte = Number.parseInt(pair, 16);
      if (isPlainByte(byte)) return null;
      bytes.push(byte);
      i += 2;
    } else if (isPlainByte(code)) {
      bytes.push(code);
    } else {
      return null;
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    return null;
  }
}

/** The path of a key below its collection directory, as segments. */
export function keyToSegments(key: string): string[] {
  const encoded = encodeKey(key);
  const segments: string[] = [];
  for (let at = 0; at < encoded.length; at += SEGMENT_CHARS) {
    const chunk = encoded.slice(at, at + SEGMENT_CHARS);
    const isLast = at + SEGMENT_CHARS >= encoded.length;
    segments.push((isLast ? FILE_PREFIX : DIRECTORY_PREFIX) + chunk);
  }
  return segments;
}

export function isDirectorySegment(name: string): boolean {
  return name.startsWith(DIRECTORY_PREFIX);
}

export function isFileSegment(name: string): boolean {
  return name.startsWith(FILE_PREFIX);
}

/**
 * The key stored at these segments, or null when they are not exactly what keyToSegments
 * makes of some key (a foreign or damaged file), so every key has exactly one path.
 */
export function segmentsToKey(segments: readonly string[]): string | null {
  const key = decodeKey(segments.map((segment) => segment.slice(1)).join(''));
  if (key === null || key.length === 0) return null;
  const canonical = keyToSegments(key);
  const isCanonical =
    canonical.length === segments.length &&
    canonical.every((segment, i) => segment === segments[i]);
  return isCanonical ? key : null;
}
