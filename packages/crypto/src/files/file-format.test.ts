import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FILE_CHUNK_BYTES,
  FILE_HEADER_BYTES,
  FILE_TAG_BYTES,
  MAX_FILE_CHUNK_BYTES,
  MIN_FILE_CHUNK_BYTES,
  chunkNonce,
  encryptedSize,
  plaintextSize,
} from './file-format.js';
import { thrownCode } from './test-fixtures.js';

describe('file format arithmetic', () => {
  it('has a 73-byte header and a 16-byte tag per chunk', () => {
    expect(FILE_HEADER_BYTES).toBe(73);
    expect(encryptedSize(0)).toBe(73 + 16);
    expect(encryptedSize(1)).toBe(73 + 1 + 16);
    expect(encryptedSize(DEFAULT_FILE_CHUNK_BYTES)).toBe(73 + DEFAULT_FILE_CHUNK_BYTES + 16);
    expect(encryptedSize(DEFAULT_FILE_CHUNK_BYTES + 1)).toBe(
      73 + DEFAULT_FILE_CHUNK_BYTES + 1 + 32,
    );
  });

  it('sizes a 2 GiB file with the default chunk size', () => {
    const twoGiB = 2 * 1024 ** 3;
    expect(encryptedSize(twoGiB)).toBe(FILE_HEADER_BYTES + twoGiB + 8192 * FILE_TAG_BYTES);
  });

  it('inverts encryptedSize with plaintextSize around every chunk boundary', () => {
    for (const chunkBytes of [
      MIN_FILE_CHUNK_BYTES,
      DEFAULT_FILE_CHUNK_BYTES,
      MAX_FILE_CHUNK_BYTES,
    ]) {
      for (const chunks of [0, 1, 2, 7]) {
        for (const delta of [-2, -1, 0, 1, 2]) {
          const size = Math.max(0, chunks * chunkBytes + delta);
          expect(plaintextSize(encryptedSize(size, chunkBytes), chunkBytes)).toBe(size);
        }
      }
    }
  });

  it('rejects ciphertext sizes that no file has', () => {
    const slot = MIN_FILE_CHUNK_BYTES + FILE_TAG_BYTES;
    for (const size of [
      0,
      FILE_HEADER_BYTES,
      FILE_HEADER_BYTES + FILE_TAG_BYTES - 1,
      FILE_HEADER_BYTES + slot + 5,
      // a full chunk followed by a final chunk without plaintext
      FILE_HEADER_BYTES + slot + FILE_TAG_BYTES,
      -1,
      1.5,
    ]) {
      expect(thrownCode(() => plaintextSize(size, MIN_FILE_CHUNK_BYTES))).toBe('invalid_input');
    }
  });

  it('rejects plaintext sizes that are no byte counts or too large for the format', () => {
    for (const size of [
      -1,
      0.5,
      NaN,
      Number.MAX_SAFE_INTEGER + 1,
      2 ** 32 * MIN_FILE_CHUNK_BYTES + 1,
    ]) {
      expect(thrownCode(() => encryptedSize(size, MIN_FILE_CHUNK_BYTES))).toBe('invalid_input');
    }
  });

  it('rejects chunk sizes out of bounds', () => {
    for (const chunkBytes of [0, MIN_FILE_CHUNK_BYTES - 1, MAX_FILE_CHUNK_BYTES + 1]) {
      expect(thrownCode(() => encryptedSize(1, chunkBytes))).toBe('invalid_input');
      expect(thrownCode(() => plaintextSize(200, chunkBytes))).toBe('invalid_input');
    }
  });

  it('puts the big-endian index and the final flag at the end of the nonce', () => {
    expect([...chunkNonce(0x01020304, true)]).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 1]);
    expect([...chunkNonce(0xffffffff, false)]).toEqual([
      0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 0,
    ]);
  });
});
