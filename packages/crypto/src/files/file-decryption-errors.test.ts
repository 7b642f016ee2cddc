import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FileCryptoErrorCode } from './file-crypto-error.js';
import { FILE_HEADER_BYTES, chunkCiphertextRange } from './file-format.js';
import { generateFileKey } from './file-key.js';
import {
  CHUNK,
  concatBytes,
  expectCode,
  expectSameBytes,
  fileStreamsOnEachBackend,
  patternedBytes,
  referenceEncrypt,
  runThrough,
  splitIntoPieces,
  thrownCode,
  transformAll,
  type StreamResult,
} from './test-fixtures.js';

/*
 * Every way a stored or downloaded file can be wrong, in both decryptor modes: with the file's
 * size from its metadata ("sized") and without it ("unsized"). A cut or extension that does not
 * fall on a chunk boundary looks exactly like a changed final chunk unless the size is known,
 * so there the unsized decryptor reports 'tampered'.
 */

/** Two full chunks and a short final one. */
const SHORT_FINAL = 2 * CHUNK + 5000;
/** Three full chunks, the last one final. */
const FULL_FINAL = 3 * CHUNK;
const PIECES = [4093, 1, 20_000];

interface Files {
  readonly key: Uint8Array;
  readonly plaintext: Record<'shortFinal' | 'fullFinal', Uint8Array>;
  readonly ciphertext: Record<'shortFinal' | 'fullFinal', Uint8Array>;
}

function chunk(ciphertext: Uint8Array, index: number): Uint8Array {
  const { start, end } = chunkCiphertextRange(index, { chunkBytes: CHUNK });
  return ciphertext.subarray(start, Math.min(end, ciphertext.length));
}

function chunkStart(index: number): number {
  return chunkCiphertextRange(index, { chunkBytes: CHUNK }).start;
}

function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const copy = bytes.slice();
  copy[at] = (copy[at] ?? 0) ^ 0x01;
  return copy;
}

function withByte(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const copy = bytes.slice();
  copy[at] = value;
  return copy;
}

/** The error has the code, and what came out is the plaintext of whole good chunks at most. */
function expectRejected(
  result: StreamResult,
  code: FileCryptoErrorCode,
  plaintext: Uint8Array,
  goodChunks: number,
): void {
  expectCode(result.error, code);
  expect(result.output.length).toBeLessThanOrEqual(goodChunks * CHUNK);
  expectSameBytes(result.output, plaintext.subarray(0, result.output.length));
}

interface BadFile {
  readonly what: string;
  readonly file: 'shortFinal' | 'fullFinal';
  readonly change: (ciphertext: Uint8Array) => Uint8Array;
  readonly unsized: FileCryptoErrorCode;
  readonly sized: FileCryptoErrorCode;
  /** Chunks before the problem, whose plaintext may have been released. */
  readonly goodChunks: number;
}

const BAD_FILES: readonly BadFile[] = [
  {
    what: 'a changed magic byte',
    file: 'shortFinal',
    change: (c) => flipped(c, 0),
    unsized: 'unsupported_format',
    sized: 'unsupported_format',
    goodChunks: 0,
  },
  {
    what: 'an unknown version',
    file: 'shortFinal',
    change: (c) => withByte(c, 4, 2),
    unsized: 'unsupported_format',
    sized: 'unsupported_format',
    goodChunks: 0,
  },
  {
    what: 'a chunk size changed to another allowed size',
    file: 'shortFinal',
    change: (c) => withByte(c, 7, 0x80), // 16 KiB → 32 KiB
    unsized: 'tampered',
    sized: 'tampered',
    goodChunks: 0,
  },
  {
    what: 'a chunk size changed out of bounds',
    file: 'shortFinal',
    change: (c) => withByte(c, 5, 0xff),
    unsized: 'tampered',
    sized: 'tampered',
    goodChunks: 0,
  },
  {
    what: 'a changed salt byte',
    file: 'shortFinal',
    change: (c) => flipped(c, 20),
    unsized: 'wrong_key',
    sized: 'wrong_key',
    goodChunks: 0,
  },
  {
    what: 'a changed key commitment byte',
    file: 'shortFinal',
    change: (c) => flipped(c, FILE_HEADER_BYTES - 1),
    unsized: 'wrong_key',
    sized: 'wrong_key',
    goodChunks: 0,
  },
  {
    what: 'a changed byte inside chunk 1',
    file: 'shortFinal',
    change: (c) => flipped(c, chunkStart(1) + 100),
    unsized: 'tampered',
    sized: 'tampered',
    goodChunks: 1,
  },
  {
    what: "a changed byte in chunk 0's tag",
    file: 'shortFinal',
    change: (c) => flipped(c, chunkStart(1) - 1),
    unsized: 'tampered',
    sized: 'tampered',
    goodChunks: 0,
  },
  {
    what: 'a changed last byte (the final tag)',
    file: 'shortFinal',
    change: (c) => flipped(c, c.length - 1),
    unsized: 'tampered',
    sized: 'tampered',
    goodChunks: 2,
  },
  {
    what: 'the final chunk dropped',
    file: 'shortFinal',
    change: (c) => c.subarray(0, chunkStart(2)),
    unsized: 'truncated',
    sized: 'truncated',
    goodChunks: 2,
  },
  {
    what: 'the final full chunk dropped',
    file: 'fullFinal',
    change: (c) => c.subarray(0, chunkStart(2)),
    unsized: 'truncated',
    sized: 'truncated',
    goodChunks: 2,
  },
  {
    what: 'a cut inside the header',
    file: 'shortFinal',
    change: (c) => c.subarray(0, 40),
    unsized: 'truncated',
    sized: 'truncated',
    goodChunks: 0,
  },
  {
    what: 'nothing but the header',
    file: 'shortFinal',
    change: (c) => c.subarray(0, FILE_HEADER_BYTES),
    unsized: 'truncated',
    sized: 'truncated',
    goodChunks: 0,
  },
  {
    what: 'no bytes at all',
    file: 'shortFinal',
    change: () => new Uint8Array(0),
    unsized: 'truncated',
    sized: 'truncated',
    goodChunks: 0,
  },
  {
    what: 'a cut 10 bytes into the final chunk (shorter than a tag)',
    file: 'shortFinal',
    change: (c) => c.subarray(0, chunkStart(2) + 10),
    unsized: 'truncated',
    sized: 'truncated',
    goodChunks: 2,
  },
  {
    what: 'a cut 1000 bytes into chunk 1',
    file: 'shortFinal',
    change: (c) => c.subarray(0, chunkStart(1) + 1000),
    unsized: 'tampered',
    sized: 'truncated',
    goodChunks: 1,
  },
  {
    what: 'one byte appended after a short final chunk',
    file: 'shortFinal',
    change: (c) => concatBytes([c, Uint8Array.of(0)]),
    unsized: 'tampered',
    sized: 'extended',
    goodChunks: 3,
  },
  {
    what: 'one byte appended after a full final chunk',
    file: 'fullFinal',
    change: (c) => concatBytes([c, Uint8Array.of(0)]),
    unsized: 'extended',
    sized: 'extended',
    goodChunks: 3,
  },
  {
    what: 'chunk 0 appended after a full final chunk',
    file: 'fullFinal',
    change: (c) => concatBytes([c, chunk(c, 0)]),
    unsized: 'extended',
    sized: 'extended',
    goodChunks: 3,
  },
  {
    what: 'chunk 0 appended after a short final chunk',
    file: 'shortFinal',
    change: (c) => concatBytes([c, chunk(c, 0)]),
    unsized: 'tampered',
    sized: 'extended',
    goodChunks: 3,
  },
  {
    what: 'the final chunk repeated',
    file: 'shortFinal',
    change: (c) => concatBytes([c, chunk(c, 2)]),
    unsized: 'tampered',
    sized: 'extended',
    goodChunks: 3,
  },
  {
    what: 'chunks 0 and 1 swapped',
    file: 'shortFinal',
    change: (c) =>
      concatBytes([c.subarray(0, FILE_HEADER_BYTES), chunk(c, 1), chunk(c, 0), chunk(c, 2)]),
    unsized: 'tampered',
    sized: 'tampered',
    goodChunks: 0,
  },
  {
    what: 'chunks 1 and 2 of three full ones swapped',
    file: 'fullFinal',
    change: (c) => concatBytes([c.subarray(0, chunkStart(1)), chunk(c, 2), chunk(c, 1)]),
    unsized: 'tampered',
    sized: 'tampered',
    goodChunks: 1,
  },
  {
    what: 'chunk 0 duplicated',
    file: 'shortFinal',
    change: (c) =>
      concatBytes([c.subarray(0, chunkStart(1)), chunk(c, 0), c.subarray(chunkStart(1))]),
    unsized: 'tampered',
    sized: 'tampered',
    goodChunks: 1,
  },
  {
    what: 'chunk 1 changed and the file cut short',
    file: 'shortFinal',
    change: (c) => flipped(c.subarray(0, chunkStart(2) + 100), chunkStart(1) + 5),
    unsized: 'tampered',
    sized: 'tampered',
    goodChunks: 1,
  },
];

describe.each(fileStreamsOnEachBackend())(
  'file decryptor (%s)',
  (_backend, { createFileEncryptor, createFileDecryptor }) => {
    let files: Files;

    beforeAll(async () => {
      const key = generateFileKey();
      const shortFinal = patternedBytes(SHORT_FINAL, 1);
      const fullFinal = patternedBytes(FULL_FINAL, 2);
      const encrypt = (plaintext: Uint8Array) =>
        transformAll(createFileEncryptor(key, { chunkBytes: CHUNK }), [plaintext]);
      files = {
        key,
        plaintext: { shortFinal, fullFinal },
        ciphertext: { shortFinal: await encrypt(shortFinal), fullFinal: await encrypt(fullFinal) },
      };
    });

    async function decryptFile(
      bytes: Uint8Array,
      expectedPlaintextBytes: number | null,
      key: Uint8Array = files.key,
    ): Promise<StreamResult> {
      const stream = createFileDecryptor(
        key,
        expectedPlaintextBytes === null ? {} : { expectedPlaintextBytes },
      );
      return runThrough(stream, splitIntoPieces(bytes, PIECES));
    }

    for (const bad of BAD_FILES) {
      it(`reports ${bad.unsized} for ${bad.what}, without the size`, async () => {
        const result = await decryptFile(bad.change(files.ciphertext[bad.file]), null);
        expectRejected(result, bad.unsized, files.plaintext[bad.file], bad.goodChunks);
      });

      it(`reports ${bad.sized} for ${bad.what}, with the size`, async () => {
        const plaintext = files.plaintext[bad.file];
        const result = await decryptFile(bad.change(files.ciphertext[bad.file]), plaintext.length);
        expectRejected(result, bad.sized, plaintext, bad.goodChunks);
      });
    }

    it('decrypts both files unchanged in both modes (the cases above start from valid files)', async () => {
      for (const file of ['shortFinal', 'fullFinal'] as const) {
        for (const size of [null, files.plaintext[file].length]) {
          const result = await decryptFile(files.ciphertext[file], size);
          expect(result.error).toBeNull();
          expectSameBytes(result.output, files.plaintext[file]);
        }
      }
    });

    it('reports wrong_key for another key before any chunk', async () => {
      const result = await decryptFile(files.ciphertext.shortFinal, null, generateFileKey());
      expectRejected(result, 'wrong_key', files.plaintext.shortFinal, 0);
      expect(result.output).toHaveLength(0);
    });

    it('reports a file shorter or longer than its metadata says', async () => {
      const { shortFinal } = files.ciphertext;
      expectCode((await decryptFile(shortFinal, SHORT_FINAL + 1)).error, 'truncated');
      expectCode((await decryptFile(shortFinal, SHORT_FINAL + CHUNK)).error, 'truncated');
      expectCode((await decryptFile(shortFinal, SHORT_FINAL - 1)).error, 'tampered');
    });

    it('rejects a final chunk without plaintext after full ones, which no encryptor writes', async () => {
      const plaintext = patternedBytes(2 * CHUNK);
      const file = referenceEncrypt(files.key, CHUNK, [
        { plaintext: plaintext.subarray(0, CHUNK), isFinal: false },
        { plaintext: plaintext.subarray(CHUNK), isFinal: false },
        { plaintext: new Uint8Array(0), isFinal: true },
      ]);
      expectRejected(await decryptFile(file, null), 'truncated', plaintext, 2);
      expectRejected(await decryptFile(file, plaintext.length), 'tampered', plaintext, 1);
    });

    it('rejects a stream that marks a chunk before the last as final', async () => {
      const plaintext = patternedBytes(2 * CHUNK + 10);
      const file = referenceEncrypt(files.key, CHUNK, [
        { plaintext: plaintext.subarray(0, CHUNK), isFinal: true },
        { plaintext: plaintext.subarray(CHUNK, 2 * CHUNK), isFinal: false },
        { plaintext: plaintext.subarray(2 * CHUNK), isFinal: true },
      ]);
      expectRejected(await decryptFile(file, null), 'extended', plaintext, 0);
      expectRejected(await decryptFile(file, plaintext.length), 'tampered', plaintext, 0);
    });

    it('errors the stream when a piece is not a Uint8Array', async () => {
      const { error } = await runThrough(createFileDecryptor(files.key), [
        [1, 2, 3] as unknown as Uint8Array,
      ]);
      expectCode(error, 'invalid_input');
    });

    it('rejects an expected size that is not a byte count', () => {
      for (const expectedPlaintextBytes of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1]) {
        expect(thrownCode(() => createFileDecryptor(files.key, { expectedPlaintextBytes }))).toBe(
          'invalid_input',
        );
      }
    });

    describe('properties', () => {
      const slot = CHUNK + 16;
      const arbitraryFile = fc.record({
        size: fc.integer({ min: 0, max: 3 * CHUNK + 100 }),
        pieces: fc.array(fc.integer({ min: 1, max: 2 * CHUNK }), { minLength: 1, maxLength: 4 }),
      });

      async function encrypted(
        size: number,
      ): Promise<{ plaintext: Uint8Array; ciphertext: Uint8Array }> {
        const plaintext = patternedBytes(size, size + 3);
        const ciphertext = await transformAll(
          createFileEncryptor(files.key, { chunkBytes: CHUNK }),
          [plaintext],
        );
        return { plaintext, ciphertext };
      }

      async function decryptInPieces(
        bytes: Uint8Array,
        pieces: readonly number[],
        expectedPlaintextBytes: number | null,
      ): Promise<StreamResult> {
        const options = expectedPlaintextBytes === null ? {} : { expectedPlaintextBytes };
        return runThrough(createFileDecryptor(files.key, options), splitIntoPieces(bytes, pieces));
      }

      it('rejects any flipped bit, releasing only whole chunks before it', async () => {
        await fc.assert(
          fc.asyncProperty(
            arbitraryFile,
            fc.nat(),
            fc.integer({ min: 0, max: 7 }),
            fc.boolean(),
            async (file, at, bit, isSized) => {
              const { plaintext, ciphertext } = await encrypted(file.size);
              const position = at % ciphertext.length;
              const changed = ciphertext.slice();
              changed[position] = (changed[position] ?? 0) ^ (1 << bit);
              const result = await decryptInPieces(
                changed,
                file.pieces,
                isSized ? file.size : null,
              );
              expect(['unsupported_format', 'wrong_key', 'tampered']).toContain(
                (result.error as { code?: unknown } | null)?.code,
              );
              const chunksBefore = Math.max(0, Math.floor((position - FILE_HEADER_BYTES) / slot));
              expectRejected(
                result,
                (result.error as { code: FileCryptoErrorCode }).code,
                plaintext,
                chunksBefore,
              );
            },
          ),
          { numRuns: 60 },
        );
      });

      it('reports any cut as truncated and any addition as extended when the size is known', async () => {
        await fc.assert(
          fc.asyncProperty(
            arbitraryFile,
            fc.nat(),
            fc.integer({ min: 1, max: CHUNK + 40 }),
            async (file, at, added) => {
              const { plaintext, ciphertext } = await encrypted(file.size);
              const cutAt = at % ciphertext.length;
              const cut = await decryptInPieces(
                ciphertext.subarray(0, cutAt),
                file.pieces,
                file.size,
              );
              expectRejected(cut, 'truncated', plaintext, Math.ceil(file.size / CHUNK));
              const longer = concatBytes([ciphertext, patternedBytes(added, at + 1)]);
              const extended = await decryptInPieces(longer, file.pieces, file.size);
              expectRejected(extended, 'extended', plaintext, Math.ceil(file.size / CHUNK));
            },
          ),
          { numRuns: 40 },
        );
      });
    });
  },
);
