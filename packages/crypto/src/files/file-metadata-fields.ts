/**
 * The fields of a file's sealed metadata and their checks, applied when sealing (the caller's
 * input) and again when opening (another client's input). A name is shown to people and offered
 * as a download name, so it is a plain base name.
 */

/** What the server never sees of a file: its name, media type and size. */
export interface FileMetadata {
  /** The file's base name: 1 to 255 characters, no path separators, no control characters. */
  readonly name: string;
  /** A media type such as "application/pdf" (parameters allowed), at most 255 characters. */
  readonly type: string;
  /** The plaintext size in bytes. */
  readonly size: number;
}

export const MAX_FILE_NAME_CHARACTERS = 255;
export const MAX_FILE_TYPE_LENGTH = 255;
/** The media type to use when the real one is unknown (a browser File's empty type). */
export const UNKNOWN_FILE_TYPE = 'application/octet-stream';

const LONE_SURROGATE = /\p{Surrogate}/u;
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
/** RFC 9110 media type: type "/" subtype *( OWS ";" OWS name "=" ( token / quoted-string ) ). */
const MEDIA_TYPE = new RegExp(
  `^${TOKEN}/${TOKEN}(?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|"[ !#-\\[\\]-~]*"))*$`,
);

/**
 * Path separators, C0 and C1 controls and DEL, and the bidirectional embeddings, overrides and
 * isolates that can disguise a name's extension (U+202E makes "invoice\u202Efdp.exe" read as
 * "invoiceexe.pdf").
 */
function isForbiddenInName(codePoint: number): boolean {
  return (
    codePoint === 0x2f ||
    codePoint === 0x5c ||
    codePoint <= 0x1f ||
    (codePoint >= 0x7f && codePoint <= 0x9f) ||
    (codePoint >= 0x202a && codePoint <= 0x202e) ||
    (codePoint >= 0x2066 && codePoint <= 0x2069)
  );
}

function nameProblem(name: unknown): string | null {
  if (typeof name !== 'string') return 'name: not a string';
  if (LONE_SURROGATE.test(name)) return 'name: not well-formed Unicode';
  // Counted in code points, as a file system counts characters (not grapheme clusters).
  let characters = 0;
  let hasForbidden = false;
  for (const character of name) {
    characters += 1;
    hasForbidden ||= isForbiddenInName(character.codePointAt(0) ?? 0);
  }
  if (characters === 0) return 'name: empty';
  if (characters > MAX_FILE_NAME_CHARACTERS) {
    return `name: ${characters} characters, more than ${MAX_FILE_NAME_CHARACTERS}`;
  }
  if (hasForbidden) {
    return 'name: contains a path separator, a control character or a bidirectional override';
  }
  if (name === '.' || name === '..') return 'name: "." and ".." are not file names';
  return null;
}

function typeProblem(type: unknown): string | null {
  if (typeof type !== 'string') return 'type: not a string';
  if (type.length > MAX_FILE_TYPE_LENGTH) {
    return `type: longer than ${MAX_FILE_TYPE_LENGTH} characters`;
  }
  if (!MEDIA_TYPE.test(type)) return 'type: not a media type such as "application/pdf"';
  return null;
}

function sizeProblem(size: unknown): string | null {
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    return 'size: not a non-negative integer';
  }
  return null;
}

export type FileMetadataCheck =
  | { readonly isValid: true; readonly metadata: FileMetadata }
  | { readonly isValid: false; readonly problems: readonly string[] };

/** Checks every field of `value` and names each bad one; other properties are ignored. */
export function checkFileMetadata(value: unknown): FileMetadataCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { isValid: false, problems: ['not an object with name, type and size'] };
  }
  const { name, type, size } = value as Record<string, unknown>;
  const problems = [nameProblem(name), typeProblem(type), sizeProblem(size)].filter(
    (problem) => problem !== null,
  );
  if (problems.length > 0) return { isValid: false, problems };
  return {
    isValid: true,
    metadata: { name: name as string, type: type as string, size: size as number },
  };
}
