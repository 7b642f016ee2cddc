import { beforeAll, describe, expect, it } from 'vitest';
import { FILE_FORMAT_VERSION, FILE_HEADER_BYTES, chunkCiphertextRange } from './file-format.js';
import { parseFileHeader, type FileHeader } from './file-header.js';
import { generateFileKey } from './file-key.js';
import {
  CHUNK,
  expectCode,
  expectSameBytes,
  fileStreamsOnEachBackend,
  patternedBytes,
  runThrough,
  splitIntoPieces,
  thrownCode,
  transformAll,
} from './test-fixtures.js';

const SIZE = 4 * CHUNK + 1234;

describe.each(fileStreamsOnEachBackend())(
  'ranged decryption (%s)',
  (_backend, { createFileEncryptor, createFileDecryptor }) => {
    let key: Uint8Array;
    let plaintext: Uint8Array;
    let ciphertext: Uint8Array;
    let header: FileHeader;

    beforeAll(async () => {
      key = generateFileKey();
      plaintext = patternedBytes(SIZE);
      ciphertext = await transformAll(createFileEncryptor(key, { chunkBytes: CHUNK }), [plaintext]);
      header = parseFileHeader(ciphertext.subarray(0, 100));
    });

    /** The ciphertext from chunk `index` to the end, as a ranged request returns it. */
    function fromChunk(index: number): Uint8Array {
      return ciphertext.subarray(chunkCiphertextRange(index, header).start);
    }

    describe('parseFileHeader', () => {
      it('reads version, chunk size, salt and commitment, ignoring the bytes after the header', () => {
        expect(header.version).toBe(FILE_FORMAT_VERSION);
        expect(header.chunkBytes).toBe(CHUNK);
        expect(header.salt).toHaveLength(32);
        expect(header.keyCommitment).toHaveLength(32);
        expectSameBytes(header.bytes, ciphertext.subarray(0, FILE_HEADER_BYTES));
      });

      it('reports a short header as truncated and another format as unsupported', () => {
        expect(
          thrownCode(() => parseFileHeader(ciphertext.subarray(0, FILE_HEADER_BYTES - 1))),
        ).toBe('truncated');
        expect(thrownCode(() => parseFileHeader(new TextEncoder().encode('%PDF-1.7')))).toBe(
          'unsupported_format',
        );
        const version2 = ciphertext.slice(0, FILE_HEADER_BYTES);
        version2[4] = 2;
        expect(thrownCode(() => parseFileHeader(version2))).toBe('unsupported_format');
      });
    });

    describe('chunkCiphertextRange', () => {
      it('gives ranges that tile the file after the header, the last one cut by the file end', () => {
        const chunks = Math.ceil(SIZE / CHUNK);
        for (let index = 0; index < chunks; index++) {
          const { start, end } = chunkCiphertextRange(index, header);
          expect(start).toBe(
            index === 0 ? FILE_HEADER_BYTES : chunkCiphertextRange(index - 1, header).end,
          );
          expect(end - start).toBe(CHUNK + 16);
        }
        expect(chunkCiphertextRange(chunks - 1, header).end).toBeGreaterThanOrEqual(
          ciphertext.length,
        );
      });

      it('rejects an index that is not a u32', () => {
        for (const index of [-1, 0.5, 2 ** 32]) {
          expect(thrownCode(() => chunkCiphertextRange(index, header))).toBe('invalid_input');
        }
      });
    });

    describe('file decryptor from a later chunk', () => {
      for (const index of [0, 1, 3, 4]) {
        it(`gives the plaintext from chunk ${index} on, with and without the size`, async () => {
          for (const expectedPlaintextBytes of [undefined, SIZE]) {
            const decryptor = createFileDecryptor(key, {
              header,
              firstChunkIndex: index,
              ...(expectedPlaintextBytes === undefined ? {} : { expectedPlaintextBytes }),
            });
            const output = await transformAll(decryptor, splitIntoPieces(fromChunk(index), [3001]));
            expectSameBytes(output, plaintext.subarray(index * CHUNK));
          }
        });
      }

      it('reports tampered when the bytes start at another chunk than declared', async () => {
        const { output, error } = await runThrough(
          createFileDecryptor(key, { header, firstChunkIndex: 2 }),
          [fromChunk(1)],
        );
        expectCode(error, 'tampered');
        expect(output).toHaveLength(0);
      });

      it('reports wrong_key for another key, before any chunk', async () => {
        const { error } = await runThrough(
          createFileDecryptor(generateFileKey(), { header, firstChunkIndex: 1 }),
          [fromChunk(1)],
        );
        expectCode(error, 'wrong_key');
      });

      it('reports truncated and extended ranges with the size', async () => {
        const cut = await runThrough(
          createFileDecryptor(key, { header, firstChunkIndex: 3, expectedPlaintextBytes: SIZE }),
          [fromChunk(3).subarray(0, CHUNK)],
        );
        expectCode(cut.error, 'truncated');
        const extended = await runThrough(
          createFileDecryptor(key, { header, firstChunkIndex: 3, expectedPlaintextBytes: SIZE }),
          [fromChunk(3), Uint8Array.of(1)],
        );
        expectCode(extended.error, 'extended');
      });

      it('uses the header bytes, not fields changed beside them', async () => {
        const changed: FileHeader = { ...header, chunkBytes: 2 * CHUNK };
        const output = await transformAll(
          createFileDecryptor(key, { header: changed, firstChunkIndex: 4 }),
          [fromChunk(4)],
        );
        expectSameBytes(output, plaintext.subarray(4 * CHUNK));
      });

      it('rejects a later chunk without the header, or beyond the end of a file of known size', () => {
        expect(thrownCode(() => createFileDecryptor(key, { firstChunkIndex: 1 }))).toBe(
          'invalid_input',
        );
        expect(
          thrownCode(() =>
            createFileDecryptor(key, { header, firstChunkIndex: 5, expectedPlaintextBytes: SIZE }),
          ),
        ).toBe('invalid_input');
        for (const firstChunkIndex of [-1, 1.5, 2 ** 32]) {
          expect(thrownCode(() => createFileDecryptor(key, { header, firstChunkIndex }))).toBe(
            'invalid_input',
          );
        }
      });
    });
  },
);
