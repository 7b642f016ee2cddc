/*
 * The media type a file is sent with, guessed from its name's extension. Only for showing and
 * opening the file on the recipient's side: the organization's type rule goes by the extension
 * itself (packages/client files/file-policy.ts), never by this guess. `--type` overrides it.
 */

export const DEFAULT_MEDIA_TYPE = 'application/octet-stream';

/** Common office, image, PDF, text and archive types, by lower-case extension. */
const MEDIA_TYPES: Readonly<Record<string, string>> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  md: 'text/markdown',
  xml: 'application/xml',
  json: 'application/json',
  rtf: 'application/rtf',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  odp: 'application/vnd.oasis.opendocument.presentation',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  eml: 'message/rfc822',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  svg: 'image/svg+xml',
  heic: 'image/heic',
  zip: 'application/zip',
  gz: 'application/gzip',
  tgz: 'application/gzip',
  '7z': 'application/x-7z-compressed',
  tar: 'application/x-tar',
};

/** What a `--type` may be: type/subtype, as RFC 6838 restricts their names. */
const MEDIA_TYPE_PATTERN = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;

/** The media type of a file name: from the table above, else application/octet-stream. */
export function mediaTypeOf(name: string): string {
  const base = name.split(/[/\\]/).at(-1) ?? '';
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return DEFAULT_MEDIA_TYPE;
  return MEDIA_TYPES[base.slice(dot + 1).toLowerCase()] ?? DEFAULT_MEDIA_TYPE;
}

/** A media type as given on the command line, lower-cased; null when it is not one. */
export function parseMediaType(text: string): string | null {
  const trimmed = text.trim();
  return MEDIA_TYPE_PATTERN.test(trimmed) ? trimmed.toLowerCase() : null;
}
