import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FILE_CHUNK_BYTES,
  FILE_HEADER_BYTES,
  FILE_TAG_BYTES,
  MAX_FILE_CHUNK_BYTES,
  MIN_FILE_CHUNK_BYTES,
  encryptedSize,
} from './file-format.js';
import { parseFileHeader } from './file-header.js';
import { generateFileKey } from './file-key.js';
import {
  CHUNK,
  expectCode,
  expectSameBytes,
  fileStreamsOnEachBackend,
  patternedBytes,
  referenceDecrypt,
  runThrough,
  splitIntoPieces,
  thrownCode,
  transformAll,
} from './test-fixtures.js';

const SIZES = {
  empty: 0,
  'one byte': 1,
  'a chunk less one': CHUNK - 1,
  'one chunk': CHUNK,
  'a chunk and one': CHUNK + 1,
  'three chunks': 3 * CHUNK,
  'several chunks and a part': 4 * CHUNK + 777,
};
/** Odd piece sizes that never line up with chunks or the header. */
const ODD_PIECES = [1, 7, 4093, 73, 0, 16_411];

describe.each(fileStreamsOnEachBackend())(
  'file encryption (%s)',
  (_backend, { createFileEncryptor, createFileDecryptor }) => {
    async function encrypt(
      key: Uint8Array,
      plaintext: Uint8Array,
      pieceSizes: readonly number[],
      chunkBytes = CHUNK,
    ): Promise<Uint8Array> {
      return transformAll(
        createFileEncryptor(key, { chunkBytes }),
        splitIntoPieces(plaintext, pieceSizes),
      );
    }

    async function decrypt(
      key: Uint8Array,
      ciphertext: Uint8Array,
      pieceSizes: readonly number[],
    ): Promise<Uint8Array> {
      return transformAll(createFileDecryptor(key), splitIntoPieces(ciphertext, pieceSizes));
    }

    for (const [name, size] of Object.entries(SIZES)) {
      it(`round-trips a file of ${name} (${size} bytes) written and read in odd pieces`, async () => {
        const key = generateFileKey();
        const plaintext = patternedBytes(size);
        const ciphertext = await encrypt(key, plaintext, ODD_PIECES);
        expect(ciphertext).toHaveLength(encryptedSize(size, CHUNK));
        expectSameBytes(await decrypt(key, ciphertext, [...ODD_PIECES].reverse()), plaintext);
        expectSameBytes(await decrypt(key, ciphertext, [ciphertext.length]), plaintext);
      });
    }

    it('round-trips whatever the sizes of file and pieces (property)', async () => {
      const key = generateFileKey();
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 5 * CHUNK + 100 }),
          fc.array(fc.integer({ min: 0, max: 3 * CHUNK }), { minLength: 1, maxLength: 6 }),
          fc.array(fc.integer({ min: 1, max: 3 * CHUNK }), { minLength: 1, maxLength: 6 }),
          async (size, writePieces, readPieces) => {
            fc.pre(writePieces.some((piece) => piece > 0));
            const plaintext = patternedBytes(size, size + 1);
            const ciphertext = await encrypt(key, plaintext, writePieces);
            expect(ciphertext).toHaveLength(encryptedSize(size, CHUNK));
            expectSameBytes(await decrypt(key, ciphertext, readPieces), plaintext);
          },
        ),
        { numRuns: 40 },
      );
    });

    it('writes exactly the documented format (checked by an independent node:crypto reader)', async () => {
      const key = generateFileKey();
      for (const size of [0, 1, CHUNK, 2 * CHUNK + 5]) {
        const plaintext = patternedBytes(size);
        const ciphertext = await encrypt(key, plaintext, [1000]);
        expectSameBytes(referenceDecrypt(key, ciphertext), plaintext);
      }
    });

    it('uses the default chunk size of 256 KiB and stores the chunk size in the header', async () => {
      const key = generateFileKey();
      const plaintext = patternedBytes(DEFAULT_FILE_CHUNK_BYTES + 3);
      const ciphertext = await transformAll(createFileEncryptor(key), [plaintext]);
      expect(parseFileHeader(ciphertext).chunkBytes).toBe(DEFAULT_FILE_CHUNK_BYTES);
      expect(ciphertext).toHaveLength(FILE_HEADER_BYTES + plaintext.length + 2 * FILE_TAG_BYTES);
      expectSameBytes(await decrypt(key, ciphertext, [65_536]), plaintext);
    });

    it('round-trips with the largest chunk size', async () => {
      const key = generateFileKey();
      const plaintext = patternedBytes(MAX_FILE_CHUNK_BYTES + 10);
      const ciphertext = await encrypt(key, plaintext, [1 << 20], MAX_FILE_CHUNK_BYTES);
      expectSameBytes(await decrypt(key, ciphertext, [1 << 20]), plaintext);
    });

    it('draws a fresh salt for every file, so equal files under one key differ', async () => {
      const key = generateFileKey();
      const plaintext = patternedBytes(100);
      const first = await encrypt(key, plaintext, [100]);
      const second = await encrypt(key, plaintext, [100]);
      expect(parseFileHeader(first).salt).not.toEqual(parseFileHeader(second).salt);
      expect(first.subarray(FILE_HEADER_BYTES)).not.toEqual(second.subarray(FILE_HEADER_BYTES));
    });

    it('shows no plaintext in the ciphertext', async () => {
      const plaintext = new TextEncoder().encode(
        'Bescheid vom 3. März: Antrag genehmigt. '.repeat(50),
      );
      const ciphertext = await encrypt(generateFileKey(), plaintext, [plaintext.length]);
      expect(Buffer.from(ciphertext).includes(Buffer.from(plaintext.subarray(0, 12)))).toBe(false);
    });

    it('does not depend on the caller keeping the key or the pieces unchanged', async () => {
      const key = generateFileKey();
      const keyCopy = key.slice();
      const plaintext = patternedBytes(CHUNK + 10);
      const piece = plaintext.slice();
      const stream = createFileEncryptor(key, { chunkBytes: CHUNK });
      key.fill(0);
      const writer = stream.writable.getWriter();
      const reading = new Response(stream.readable).arrayBuffer();
      await writer.write(piece);
      piece.fill(0);
      await writer.close();
      const ciphertext = new Uint8Array(await reading);
      expectSameBytes(await decrypt(keyCopy, ciphertext, [ciphertext.length]), plaintext);
    });

    it('rejects a key that is not 32 bytes and a chunk size out of bounds', () => {
      expect(thrownCode(() => createFileEncryptor(new Uint8Array(16)))).toBe('invalid_input');
      expect(thrownCode(() => createFileDecryptor(new Uint8Array(33)))).toBe('invalid_input');
      const key = generateFileKey();
      for (const chunkBytes of [
        MIN_FILE_CHUNK_BYTES - 1,
        MAX_FILE_CHUNK_BYTES + 1,
        65_536.5,
        NaN,
      ]) {
        expect(thrownCode(() => createFileEncryptor(key, { chunkBytes }))).toBe('invalid_input');
      }
    });

    it('errors the stream when a piece is not a Uint8Array', async () => {
      const { error } = await runThrough(createFileEncryptor(generateFileKey()), [
        'text' as unknown as Uint8Array,
      ]);
      expectCode(error, 'invalid_input');
    });
  },
);
