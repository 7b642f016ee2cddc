import {
  defaultChunkCipherBackend,
  newChunkCipher,
  type ChunkCipher,
  type ChunkCipherBackend,
} from './chunk-cipher.js';
import { FileCryptoError } from './file-crypto-error.js';
import { DEFAULT_FILE_CHUNK_BYTES, MAX_FILE_CHUNKS, assertChunkBytes } from './file-format.js';
import { copyFileKey } from './file-key.js';
import { OrderedPipeline } from './ordered-pipeline.js';

export interface FileEncryptorOptions {
  /** Plaintext bytes per chunk, stored in the header; default {@link DEFAULT_FILE_CHUNK_BYTES}. */
  readonly chunkBytes?: number;
}

type Output = TransformStreamDefaultController<Uint8Array<ArrayBuffer>>;

interface Started {
  readonly cipher: ChunkCipher;
  readonly pipeline: OrderedPipeline<readonly Uint8Array<ArrayBuffer>[]>;
}

function emitParts(output: Output, parts: readonly Uint8Array<ArrayBuffer>[]): void {
  for (const part of parts) output.enqueue(part);
}

/**
 * Encrypts a file as it streams: write plaintext pieces of any size, read the header and then
 * each chunk's ciphertext and tag, in one or two outputs (format in file-format.ts). Memory stays at a few chunks whatever the
 * file's size. The key must be a fresh {@link generateFileKey} per file.
 */
export function createFileEncryptor(
  key: Uint8Array,
  options: FileEncryptorOptions = {},
): TransformStream<Uint8Array, Uint8Array<ArrayBuffer>> {
  return createFileEncryptorOn(defaultChunkCipherBackend(), key, options);
}

/** {@link createFileEncryptor} on a given backend (chunk-cipher.ts); the tests run each. */
export function createFileEncryptorOn(
  backend: ChunkCipherBackend,
  key: Uint8Array,
  options: FileEncryptorOptions = {},
): TransformStream<Uint8Array, Uint8Array<ArrayBuffer>> {
  const fileKey = copyFileKey(key);
  const chunkBytes = options.chunkBytes ?? DEFAULT_FILE_CHUNK_BYTES;
  assertChunkBytes(chunkBytes);
  return new TransformStream(new FileEncryptor(backend, fileKey, chunkBytes));
}

/** The transformer behind {@link createFileEncryptor}. */
class FileEncryptor {
  readonly #backend: ChunkCipherBackend;
  readonly #fileKey: Uint8Array<ArrayBuffer>;
  readonly #chunkBytes: number;
  /** The chunk being filled; reused, since both backends copy what they encrypt. */
  readonly #chunk: Uint8Array<ArrayBuffer>;
  #filled = 0;
  #index = 0;
  #started: Started | null = null;

  constructor(backend: ChunkCipherBackend, fileKey: Uint8Array<ArrayBuffer>, chunkBytes: number) {
    this.#backend = backend;
    this.#fileKey = fileKey;
    this.#chunkBytes = chunkBytes;
    this.#chunk = new Uint8Array(chunkBytes);
  }

  async start(output: Output): Promise<void> {
    let cipher: ChunkCipher;
    try {
      cipher = await newChunkCipher(this.#backend, this.#fileKey, this.#chunkBytes);
    } finally {
      this.#fileKey.fill(0);
    }
    this.#started = { cipher, pipeline: new OrderedPipeline(cipher.chunksInFlight) };
    output.enqueue(cipher.headerBytes.slice());
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
    await this.#started?.pipeline.drain((parts) => emitParts(output, parts));
  }

  async #seal(output: Output, isFinal: boolean): Promise<void> {
    if (this.#started === null) throw new Error('the encryptor has not started');
    const { cipher, pipeline } = this.#started;
    if (this.#index >= MAX_FILE_CHUNKS) {
      throw new FileCryptoError('invalid_input', 'the file is too large for the format');
    }
    const index = this.#index;
    const plaintext = this.#chunk.subarray(0, this.#filled);
    await pipeline.add(
      () => cipher.encrypt(index, isFinal, plaintext),
      (parts) => emitParts(output, parts),
    );
    this.#index += 1;
    this.#filled = 0;
  }
}
