import { describe, expect, it } from 'vitest';
import { DEFAULT_MEDIA_TYPE, mediaTypeOf, parseMediaType } from './media-types.js';

describe('mediaTypeOf', () => {
  it('knows common office, image, pdf and archive types by extension, in any case', () => {
    expect(mediaTypeOf('Bauantrag.PDF')).toBe('application/pdf');
    expect(mediaTypeOf('Haushalt 2025.xlsx')).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(mediaTypeOf('Protokoll.odt')).toBe('application/vnd.oasis.opendocument.text');
    expect(mediaTypeOf('Foto.JPEG')).toBe('image/jpeg');
    expect(mediaTypeOf('Akten.tar.gz')).toBe('application/gzip');
    expect(mediaTypeOf('/srv/ablage/Anlagen.zip')).toBe('application/zip');
  });

  it('answers application/octet-stream for unknown, missing and dot-file extensions', () => {
    expect(mediaTypeOf('programm.exe')).toBe(DEFAULT_MEDIA_TYPE);
    expect(mediaTypeOf('LIESMICH')).toBe(DEFAULT_MEDIA_TYPE);
    expect(mediaTypeOf('.pdf')).toBe(DEFAULT_MEDIA_TYPE);
    expect(mediaTypeOf('ordner.pdf/datei')).toBe(DEFAULT_MEDIA_TYPE);
  });
});

describe('parseMediaType', () => {
  it('takes type/subtype and lower-cases it', () => {
    expect(parseMediaType('Application/PDF')).toBe('application/pdf');
    expect(parseMediaType(' application/vnd.ms-excel ')).toBe('application/vnd.ms-excel');
    expect(parseMediaType('image/svg+xml')).toBe('image/svg+xml');
  });

  it('refuses what is not a media type', () => {
    for (const bad of ['', 'pdf', 'application/', '/pdf', 'text/plain; charset=utf-8', 'a/b/c']) {
      expect(parseMediaType(bad), bad).toBeNull();
    }
  });
});
