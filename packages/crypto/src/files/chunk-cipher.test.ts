import { describe, expect, it } from 'vitest';
import { chunkCipherFor, defaultChunkCipherBackend, newChunkCipher } from './chunk-cipher.js';
import { createFileDecryptorOn } from './file-decryptor.js';
import { createFileEncryptorOn } from './file-encryptor.js';
import { FILE_HEADER_BYTES, FILE_TAG_BYTES, MAX_FILE_CHUNK_BYTES } from './file-format.js';
import { parseFileHeader } from './file-header.js';
import { generateFileKey } from './file-key.js';
import {
  CHUNK,
  chunkCipherBackends,
  concatBytes,
  expectCode,
  expectSameBytes,
  patternedBytes,
  referenceDecrypt,
  runThrough,
  splitIntoPieces,
  transformAll,
} from './test-fixtures.js';

/*
 * The two chunk-cipher backends write the same bytes: a header made by one gives the other the
 * same key commitment and, chunk for chunk, the same ciphertext, and each opens the other's
 * files (and refuses the same changes).
 */

const [native, webCrypto] = chunkCipherBackends();
if (native === undefined || webCrypto === undefined) throw new Error('two backends expected');
/** Writer and reader, named first for the test titles. */
const PAIRS = [
  [native.name, webCrypto.name, native, webCrypto],
  [webCrypto.name, native.name, webCrypto, native],
] as const;

describe('the chunk cipher backends', () => {
  it('uses node:crypto by default in Node', () => {
    expect(defaultChunkCipherBackend().name).toBe('node:crypto');
    expect(native.name).toBe('node:crypto');
    expect(webCrypto.name).toBe('WebCrypto');
  });

  it.each(PAIRS)(
    'derive the same commitment and ciphertext for the same key, salt and chunk (%s, then %s)',
    async (_writerName, _readerName, writer, reader) => {
      const key = generateFileKey();
      const sealing = await newChunkCipher(writer, key, CHUNK);
      const header = parseFileHeader(sealing.headerBytes);
      const opening = await chunkCipherFor(reader, key, header);
      for (const [index, isFinal, length] of [
        [0, false, CHUNK],
        [1, false, CHUNK],
        [7, true, 1],
        [2 ** 32 - 1, true, 0],
        [3, true, MAX_FILE_CHUNK_BYTES],
      ] as const) {
        const plaintext = patternedBytes(length, index + 1);
        const sealed = concatBytes(await sealing.encrypt(index, isFinal, plaintext));
        expect(sealed).toHaveLength(length + FILE_TAG_BYTES);
        expectSameBytes(concatBytes(await opening.encrypt(index, isFinal, plaintext)), sealed);
        expectSameBytes(await opening.decrypt(index, isFinal, sealed), plaintext);
        await expect(opening.decrypt(index, !isFinal, sealed)).rejects.toThrow();
        await expect(opening.decrypt(index + 1, isFinal, sealed)).rejects.toThrow();
      }
    },
  );

  it.each(PAIRS)(
    'open each other’s files, in pieces of any size (%s writes, %s reads)',
    async (_writerName, _readerName, writer, reader) => {
      const key = generateFileKey();
      for (const size of [0, 1, CHUNK, 3 * CHUNK + 17]) {
        const plaintext = patternedBytes(size, size + 5);
        const ciphertext = await transformAll(
          createFileEncryptorOn(writer, key, { chunkBytes: CHUNK }),
          splitIntoPieces(plaintext, [4093, 1, 20_000]),
        );
        expectSameBytes(referenceDecrypt(key, ciphertext), plaintext);
        for (const options of [{}, { expectedPlaintextBytes: size }]) {
          const decrypted = await transformAll(
            createFileDecryptorOn(reader, key, options),
            splitIntoPieces(ciphertext, [7, 65_536]),
          );
          expectSameBytes(decrypted, plaintext);
        }
      }
    },
  );

  it.each(PAIRS)(
    'refuse the same changed chunk (%s writes, %s reads)',
    async (_writerName, _readerName, writer, reader) => {
      const key = generateFileKey();
      const plaintext = patternedBytes(2 * CHUNK + 100);
      const ciphertext = await transformAll(
        createFileEncryptorOn(writer, key, { chunkBytes: CHUNK }),
        [plaintext],
      );
      const changed = ciphertext.slice();
      const at = FILE_HEADER_BYTES + CHUNK + 16 + 5;
      changed[at] = (changed[at] ?? 0) ^ 1;
      const result = await runThrough(createFileDecryptorOn(reader, key), [changed]);
      expectCode(result.error, 'tampered');
      expectSameBytes(result.output, plaintext.subarray(0, CHUNK));
      const wrongKey = await runThrough(createFileDecryptorOn(reader, generateFileKey()), [
        ciphertext,
      ]);
      expectCode(wrongKey.error, 'wrong_key');
    },
  );
});
