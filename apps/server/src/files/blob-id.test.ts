import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isBlobId, parseBlobId } from './blob-id.js';

describe('parseBlobId', () => {
  it('accepts a lowercase UUID', () => {
    const id = randomUUID();
    expect(parseBlobId(id)).toBe(id);
  });

  it('refuses other spellings and anything that could become a path, without echoing it', () => {
    const id = randomUUID();
    for (const value of [id.toUpperCase(), `${id}\n`, `../${id}`, id.replaceAll('-', ''), '']) {
      expect(isBlobId(value)).toBe(false);
      expect(() => parseBlobId(value)).toThrow(
        expect.objectContaining({ code: 'invalid_id', message: 'not a valid blob id' }),
      );
    }
    expect(isBlobId(42)).toBe(false);
  });
});
