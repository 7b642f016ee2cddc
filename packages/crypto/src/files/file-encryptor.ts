import { encryptChunk, newChunkCipher, type ChunkCipher } from './chunk-cipher.js';
import { FileCryptoError } from './file-crypto-error.js';
import { DEFAULT_FILE_CHUNK_BYTES, MAX_FILE_CHUNKS, assertChunkBytes } from './file-format.js';
import { copyFileKey } from './file-key.js';
import { CHUNKS_IN_FLIGHT, OrderedPipeline } from './ordered-pipeline.js';

export interface FileEncryptorOptions {
  /** Plaintext bytes per chunk, stored in the header; default {@link DEFAULT_FILE_CHUNK_BYTES}. */
  readonly chunkBytes?: number;
}

type Output = TransformStreamDefaultController<Uint8Array<ArrayBuffer>>;

/**
 * Encrypts a file as it streams: write plaintext pieces of any size, read the header and then
 * one ciphertext per chunk (format in file-format.ts). Memory stays at a few chunks whatever the
 * file's size. The key must be a fresh {@link generateFileKey} per file.
 */
export function createFileEncryptor(
  key: Uint8Array,
  options: FileEncryptorOptions = {},
): TransformStream<Uint8Array, Uint8Array<ArrayBuffer>> {
  const fileKey = copyFileKey(key);
  const chunkBytes = options.chunkBytes ?? DEFAULT_FILE_CHUNK_BYTES;
  assertChunkBytes(chunkBytes);
  return new TransformStream(new FileEncryptor(fileKey, chunkBytes));
}

/** The transformer behind {@link createFileEncryptor}. */
class FileEncryptor {
  readonly #fileKey: Uint8Array<ArrayBuffer>;
  readonly #chunkBytes: number;
  readonly #pipeline = new OrderedPipeline<Uint8Array<ArrayBuffer>>(CHUNKS_IN_FLIGHT);
  /** The chunk being filled; reused, since WebCrypto copies what it encrypts. */
  readonly #chunk: Uint8Array<ArrayBuffer>;
  #filled = 0;
  #index = 0;
  #cipher: ChunkCipher | null = null;

  constructor(fileKey: Uint8Array<ArrayBuffer>, chunkBytes: number) {
    this.#fileKey = fileKey;
    this.#chunkBytes = chunkBytes;
    this.#chunk = new Uint8Array(chunkBytes);
  }

  async start(output: Output): Promise<void> {
    try {
      this.#cipher = await newChunkCipher(this.#fileKey, this.#chunkBytes);
    } finally {
      this.#fileKey.fill(0);
    }
    output.enqueue(this.#cipher.headerBytes.slice());
  }

  async transform(piece: Uint8Array, output: Output): Promise<void> {
    if (!(piece instanceof Uint8Array)) {
      throw new FileCryptoError('invalid_input', 'a file encryptor takes Uint8Array pieces');
    }
    let offset = 0;
    while (offset < piece.length) {
      // A full chunk is sealed only once more bytes arrive: until then it may be the final one.
      if (this.#filled === this.#chunkBytes) await this.#seal(output, false);
      const take = Math.min(this.#chunkBytes - this.#filled, piece.length - offset);
      this.#chunk.set(piece.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
    }
  }

  async flush(output: Output): Promise<void> {
    await this.#seal(output, true);
    await this.#pipeline.drain((ciphertext) => output.enqueue(ciphertext));
  }

  async #seal(output: Output, isFinal: boolean): Promise<void> {
    const cipher = this.#cipher;
    if (cipher === null) throw new Error('the encryptor has not started');
    if (this.#index >= MAX_FILE_CHUNKS) {
      throw new FileCryptoError('invalid_input', 'the file is too large for the format');
    }
    const index = this.#index;
    const plaintext = this.#chunk.subarray(0, this.#filled);
    await this.#pipeline.add(
      () => encryptChunk(cipher, index, isFinal, plaintext),
      (ciphertext) => output.enqueue(ciphertext),
    );
    this.#index += 1;
    this.#filled = 0;
  }
}
