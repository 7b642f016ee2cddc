import { fileExtensionOf } from '@amtsbote/client';

/*
 * What a file card says of a file: its size in the reader's language, its type, and whether
 * the browser shows it as an image in the preview.
 */

const SIZE_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** Decimal units (1 MB = 1,000,000 bytes), one decimal from kilobytes on: "1,5 MB". */
export function formatFileSize(bytes: number, language: string): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < SIZE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return new Intl.NumberFormat(language, {
    style: 'unit',
    unit: SIZE_UNITS[unit] ?? 'byte',
    unitDisplay: 'short',
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
}

/**
 * The policy's largest file as the administrator set it ("10 MB"). The policy counts MiB, so
 * the limit is a little more than it says, and no file under the stated size is refused.
 */
export function formatMegabytes(mebibytes: number, language: string): string {
  return new Intl.NumberFormat(language, {
    style: 'unit',
    unit: 'megabyte',
    unitDisplay: 'short',
  }).format(mebibytes);
}

/**
 * The type as people know it, from the name's extension ("PDF"), since the sender's media type
 * is often empty or generic; null when the name has none (the caller says "file").
 */
export function fileTypeLabel(name: string): string | null {
  const extension = fileExtensionOf(name);
  return extension === null || extension === '' ? null : extension.toUpperCase();
}

/**
 * Raster images every current browser decodes in an <img>. SVG is left out: it can hold
 * references and scripts, and a file card serves it as a download only.
 */
const PREVIEW_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/bmp',
]);

export function isPreviewableImage(mediaType: string): boolean {
  return PREVIEW_TYPES.has(mediaType.toLowerCase());
}
