import {
  chunkAuthenticates,
  chunkCipherFor,
  defaultChunkCipherBackend,
  type ChunkCipher,
  type ChunkCipherBackend,
} from './chunk-cipher.js';
import { FileCryptoError } from './file-crypto-error.js';
import { FILE_HEADER_BYTES, FILE_TAG_BYTES, MAX_FILE_CHUNKS, chunkCount } from './file-format.js';
import { readFileHeader, type FileHeader } from './file-header.js';
import { copyFileKey } from './file-key.js';
import { OrderedPipeline } from './ordered-pipeline.js';

export interface FileDecryptorOptions {
  /**
   * The file's header (from {@link parseFileHeader}) when the stream does not start with it:
   * it then starts at chunk `firstChunkIndex`, at `chunkCiphertextRange(firstChunkIndex).start`.
   */
  readonly header?: FileHeader;
  /** The first chunk in the stream; default 0, more only with `header`. */
  readonly firstChunkIndex?: number;
  /**
   * The plaintext size of the whole file, from its sealed metadata. With it every chunk's end
   * is known, so a cut file is 'truncated' and appended bytes are 'extended' wherever they lie;
   * without it a cut or extension that does not fall on a chunk boundary reads as 'tampered'.
   */
  readonly expectedPlaintextBytes?: number;
}

type Output = TransformStreamDefaultController<Uint8Array<ArrayBuffer>>;

/** Where the file ends, when its size is known. */
interface KnownEnd {
  readonly finalIndex: number;
  /** Ciphertext bytes of the final chunk (its plaintext and tag). */
  readonly finalChunkBytes: number;
}

/**
 * Decrypts a file as it streams: write its ciphertext in pieces of any size, read the plaintext
 * one chunk at a time. A chunk's plaintext is released only once it and every chunk before it
 * authenticated; on any problem the stream errors with a {@link FileCryptoError}, and the
 * plaintext already read must be discarded (the file is incomplete or not authentic).
 */
export function createFileDecryptor(
  key: Uint8Array,
  options: FileDecryptorOptions = {},
): TransformStream<Uint8Array, Uint8Array<ArrayBuffer>> {
  return createFileDecryptorOn(defaultChunkCipherBackend(), key, options);
}

/** {@link createFileDecryptor} on a given backend (chunk-cipher.ts); the tests run each. */
export function createFileDecryptorOn(
  backend: ChunkCipherBackend,
  key: Uint8Array,
  options: FileDecryptorOptions = {},
): TransformStream<Uint8Array, Uint8Array<ArrayBuffer>> {
  const fileKey = copyFileKey(key);
  const firstChunkIndex = options.firstChunkIndex ?? 0;
  if (
    !Number.isInteger(firstChunkIndex) ||
    firstChunkIndex < 0 ||
    firstChunkIndex >= MAX_FILE_CHUNKS
  ) {
    throw new FileCryptoError('invalid_input', `${firstChunkIndex} is not a chunk index`);
  }
  if (firstChunkIndex > 0 && options.header === undefined) {
    throw new FileCryptoError('invalid_input', 'decrypting from a later chunk needs the header');
  }
  const expected = options.expectedPlaintextBytes ?? null;
  if (expected !== null && (!Number.isSafeInteger(expected) || expected < 0)) {
    throw new FileCryptoError('invalid_input', `${expected} is not a plaintext size`);
  }
  let header: FileHeader | null = null;
  if (options.header !== undefined) {
    // Read again from its bytes, so the fields used are those the chunks authenticate.
    header = readFileHeader(options.header.bytes);
    if (header === null) throw new FileCryptoError('invalid_input', 'the header is incomplete');
    if (expected !== null && firstChunkIndex > knownEnd(expected, header.chunkBytes).finalIndex) {
      throw new FileCryptoError(
        'invalid_input',
        `a file of ${expected} bytes has no chunk ${firstChunkIndex}`,
      );
    }
  }
  return new TransformStream(
    new FileDecryptor(backend, fileKey, header, firstChunkIndex, expected),
  );
}

function knownEnd(plaintextBytes: number, chunkBytes: number): KnownEnd {
  const chunks = chunkCount(plaintextBytes, chunkBytes);
  if (chunks > MAX_FILE_CHUNKS) {
    throw new FileCryptoError(
      'invalid_input',
      `a file of ${plaintextBytes} bytes is too large for the format`,
    );
  }
  const finalIndex = chunks - 1;
  return { finalIndex, finalChunkBytes: plaintextBytes - finalIndex * chunkBytes + FILE_TAG_BYTES };
}

interface Started {
  readonly cipher: ChunkCipher;
  readonly pipeline: OrderedPipeline<Uint8Array<ArrayBuffer>>;
}

/** The transformer behind {@link createFileDecryptor}. */
class FileDecryptor {
  readonly #backend: ChunkCipherBackend;
  readonly #fileKey: Uint8Array<ArrayBuffer>;
  readonly #givenHeader: FileHeader | null;
  readonly #expectedPlaintextBytes: number | null;
  readonly #headerBuffer = new Uint8Array(FILE_HEADER_BYTES);
  #headerFilled = 0;
  #started: Started | null = null;
  /** Ciphertext bytes of a full chunk: plaintext and tag. */
  #slotBytes = 0;
  #end: KnownEnd | null = null;
  /**
   * Buffers for the chunk being received and those in flight, used in turn: a chunk's bytes
   * stay until its decryption settles (a failed one is tried again), and the pipeline settles
   * a chunk before it starts the one `chunksInFlight` later (one buffer with node:crypto). Reusing them matters: a fresh
   * buffer per chunk costs page faults and garbage collection on the main thread.
   */
  readonly #slots: Uint8Array<ArrayBuffer>[] = [];
  #filled = 0;
  #index: number;

  constructor(
    backend: ChunkCipherBackend,
    fileKey: Uint8Array<ArrayBuffer>,
    header: FileHeader | null,
    firstChunkIndex: number,
    expectedPlaintextBytes: number | null,
  ) {
    this.#backend = backend;
    this.#fileKey = fileKey;
    this.#givenHeader = header;
    this.#index = firstChunkIndex;
    this.#expectedPlaintextBytes = expectedPlaintextBytes;
  }

  async start(): Promise<void> {
    if (this.#givenHeader !== null) await this.#begin(this.#givenHeader);
  }

  async transform(piece: Uint8Array, output: Output): Promise<void> {
    if (!(piece instanceof Uint8Array)) {
      throw new FileCryptoError('invalid_input', 'a file decryptor takes Uint8Array pieces');
    }
    let offset = this.#started === null ? await this.#readHeader(piece) : 0;
    while (offset < piece.length) offset = await this.#receive(piece, offset, output);
  }

  async flush(output: Output): Promise<void> {
    const emit = (plaintext: Uint8Array<ArrayBuffer>): void => this.#emit(output, plaintext);
    if (this.#started === null) {
      throw new FileCryptoError('truncated', 'the file ends inside its header');
    }
    const { pipeline } = this.#started;
    if (this.#end !== null) {
      // Chunks before the end may have failed: the first problem in file order is reported.
      await pipeline.drain(emit);
      if (this.#index <= this.#end.finalIndex) {
        throw new FileCryptoError(
          'truncated',
          `the file ends in chunk ${this.#index} of ${this.#end.finalIndex + 1}`,
        );
      }
      return;
    }
    // Without a known size the last bytes are the final chunk; too few for one means a cut.
    const isTooShort =
      this.#filled < FILE_TAG_BYTES || (this.#index > 0 && this.#filled === FILE_TAG_BYTES);
    if (isTooShort) {
      await pipeline.drain(emit);
      throw new FileCryptoError('truncated', `the file ends inside chunk ${this.#index}`);
    }
    await this.#submit(output, true);
    await pipeline.drain(emit);
  }

  /** Takes header bytes from the piece; returns how many it took. */
  async #readHeader(piece: Uint8Array): Promise<number> {
    const take = Math.min(FILE_HEADER_BYTES - this.#headerFilled, piece.length);
    this.#headerBuffer.set(piece.subarray(0, take), this.#headerFilled);
    this.#headerFilled += take;
    const header = readFileHeader(this.#headerBuffer.subarray(0, this.#headerFilled));
    if (header !== null) await this.#begin(header);
    return take;
  }

  async #begin(header: FileHeader): Promise<void> {
    let cipher: ChunkCipher;
    try {
      cipher = await chunkCipherFor(this.#backend, this.#fileKey, header);
    } finally {
      this.#fileKey.fill(0);
    }
    this.#started = { cipher, pipeline: new OrderedPipeline(cipher.chunksInFlight) };
    this.#slotBytes = header.chunkBytes + FILE_TAG_BYTES;
    if (this.#expectedPlaintextBytes !== null) {
      this.#end = knownEnd(this.#expectedPlaintextBytes, header.chunkBytes);
    }
  }

  /** Takes chunk bytes from the piece, starting a chunk's decryption once it is complete. */
  async #receive(piece: Uint8Array, offset: number, output: Output): Promise<number> {
    let chunkLength = this.#slotBytes;
    if (this.#end === null) {
      // A full chunk is known not to be the final one only once more bytes follow it.
      if (this.#filled === this.#slotBytes) await this.#submit(output, false);
    } else {
      if (this.#index > this.#end.finalIndex) {
        await this.#drain(output);
        throw new FileCryptoError('extended', 'bytes follow the final chunk');
      }
      if (this.#index === this.#end.finalIndex) chunkLength = this.#end.finalChunkBytes;
    }
    const slot = this.#currentSlot();
    const take = Math.min(chunkLength - this.#filled, piece.length - offset);
    slot.set(piece.subarray(offset, offset + take), this.#filled);
    this.#filled += take;
    if (this.#end !== null && this.#filled === chunkLength) {
      await this.#submit(output, this.#index === this.#end.finalIndex);
    }
    return offset + take;
  }

  async #submit(output: Output, isFinal: boolean): Promise<void> {
    if (this.#started === null) throw new Error('a chunk before the header');
    const { cipher, pipeline } = this.#started;
    const slot = this.#currentSlot();
    const index = this.#index;
    if (index >= MAX_FILE_CHUNKS) {
      await this.#drain(output);
      throw new FileCryptoError('extended', 'the file goes on beyond the largest chunk index');
    }
    const ciphertext = slot.subarray(0, this.#filled);
    const canTellApart = this.#end === null && ciphertext.length === this.#slotBytes;
    await pipeline.add(
      () => openChunk(cipher, index, isFinal, ciphertext, canTellApart),
      (plaintext) => this.#emit(output, plaintext),
    );
    this.#index += 1;
    this.#filled = 0;
  }

  /** Passes on what the chunks in flight give, in order, or throws the first failure. */
  async #drain(output: Output): Promise<void> {
    await this.#started?.pipeline.drain((plaintext) => this.#emit(output, plaintext));
  }

  #currentSlot(): Uint8Array<ArrayBuffer> {
    const turn = this.#index % ((this.#started?.cipher.chunksInFlight ?? 0) + 1);
    return (this.#slots[turn] ??= new Uint8Array(this.#slotBytes));
  }

  #emit(output: Output, plaintext: Uint8Array<ArrayBuffer>): void {
    if (plaintext.length > 0) output.enqueue(plaintext);
  }
}

/**
 * Decrypts a chunk. When the file's size is not known and a full chunk fails, it is tried with
 * the other final flag: a final chunk followed by more bytes means 'extended', a non-final chunk
 * at the end means 'truncated'. Anything else is 'tampered'.
 */
async function openChunk(
  cipher: ChunkCipher,
  index: number,
  isFinal: boolean,
  ciphertext: Uint8Array<ArrayBuffer>,
  canTellApart: boolean,
): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return await cipher.decrypt(index, isFinal, ciphertext);
  } catch (error) {
    if (canTellApart && (await chunkAuthenticates(cipher, index, !isFinal, ciphertext))) {
      throw isFinal
        ? new FileCryptoError(
            'truncated',
            `the file ends without its final chunk (after chunk ${index})`,
          )
        : new FileCryptoError('extended', `bytes follow the final chunk ${index}`);
    }
    throw new FileCryptoError('tampered', `chunk ${index} does not authenticate`, { cause: error });
  }
}
