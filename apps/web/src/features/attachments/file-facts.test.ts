import { describe, expect, it } from 'vitest';
import {
  fileTypeLabel,
  formatFileSize,
  formatMegabytes,
  isPreviewableImage,
} from './file-facts.js';

describe('file facts', () => {
  it('formats sizes in decimal units for the reader’s language', () => {
    expect(formatFileSize(0, 'de')).toBe('0 Byte');
    expect(formatFileSize(999, 'en')).toBe('999 byte');
    expect(formatFileSize(1_500_000, 'de')).toBe('1,5 MB');
    expect(formatFileSize(1_500_000, 'en')).toBe('1.5 MB');
    expect(formatFileSize(2_000, 'en')).toBe('2 kB');
    expect(formatMegabytes(10, 'de')).toBe('10 MB');
  });

  it('names the type by the last extension, in capitals, or none without one', () => {
    expect(fileTypeLabel('Bauantrag Müller.pdf')).toBe('PDF');
    expect(fileTypeLabel('archiv.tar.GZ')).toBe('GZ');
    expect(fileTypeLabel('README')).toBeNull();
  });

  it('previews raster images only', () => {
    expect(isPreviewableImage('image/PNG')).toBe(true);
    expect(isPreviewableImage('image/svg+xml')).toBe(false);
    expect(isPreviewableImage('application/pdf')).toBe(false);
  });
});
