import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { expect } from 'vitest';
import { findNativeCrypto } from '../mls/native-crypto.js';
import type { ChunkCipherBackend } from './chunk-cipher.js';
import { FileCryptoError, type FileCryptoErrorCode } from './file-crypto-error.js';
import { createFileDecryptorOn, type FileDecryptorOptions } from './file-decryptor.js';
import { createFileEncryptorOn, type FileEncryptorOptions } from './file-encryptor.js';
import { MIN_FILE_CHUNK_BYTES } from './file-format.js';
import { nativeChunkCipherBackend } from './native-chunk-cipher.js';
import { webCryptoChunkCipherBackend } from './webcrypto-chunk-cipher.js';

/** The smallest chunk size keeps multi-chunk tests small. */
export const CHUNK = MIN_FILE_CHUNK_BYTES;

/** Both chunk-cipher backends: node:crypto (Node's default) and WebCrypto (browsers'). */
export function chunkCipherBackends(): readonly ChunkCipherBackend[] {
  const native = findNativeCrypto();
  if (native === null) throw new Error('the tests run in Node, where node:crypto exists');
  return [nativeChunkCipherBackend(native), webCryptoChunkCipherBackend()];
}

/** createFileEncryptor and createFileDecryptor on one backend. */
export interface FileStreams {
  readonly createFileEncryptor: (
    key: Uint8Array,
    options?: FileEncryptorOptions,
  ) => TransformStream<Uint8Array, Uint8Array<ArrayBuffer>>;
  readonly createFileDecryptor: (
    key: Uint8Array,
    options?: FileDecryptorOptions,
  ) => TransformStream<Uint8Array, Uint8Array<ArrayBuffer>>;
}

/** For describe.each: the streams of each backend, named, so every suite runs on both. */
export function fileStreamsOnEachBackend(): (readonly [string, FileStreams])[] {
  return chunkCipherBackends().map((backend) => [
    backend.name,
    {
      createFileEncryptor: (key, options) => createFileEncryptorOn(backend, key, options),
      createFileDecryptor: (key, options) => createFileDecryptorOn(backend, key, options),
    },
  ]);
}

/** Deterministic bytes that differ from chunk to chunk (xorshift32), of any length. */
export function patternedBytes(length: number, seed = 0x9e3779b9): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = state & 0xff;
  }
  return out;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Splits bytes into pieces whose sizes cycle through `pieceSizes` (0 gives an empty piece). */
export function splitIntoPieces(bytes: Uint8Array, pieceSizes: readonly number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const size = pieceSizes[i % pieceSizes.length] ?? bytes.length;
    pieces.push(bytes.subarray(offset, offset + size));
    offset += size;
    if (i > 10 * bytes.length + 10) throw new Error('piece sizes of 0 only');
  }
  return pieces;
}

export interface StreamResult {
  /** Everything the readable side gave before it ended or errored. */
  readonly output: Uint8Array<ArrayBuffer>;
  readonly error: unknown;
}

/** Writes pieces into a transform stream while reading its output, as a consumer would. */
export async function runThrough(
  stream: TransformStream<Uint8Array, Uint8Array>,
  pieces: readonly Uint8Array[],
): Promise<StreamResult> {
  const writer = stream.writable.getWriter();
  const writing = (async () => {
    for (const piece of pieces) await writer.write(piece);
    await writer.close();
  })().catch(() => undefined); // the same error reaches the readable side
  const reader = stream.readable.getReader();
  const parts: Uint8Array[] = [];
  let error: unknown = null;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
    }
  } catch (caught) {
    error = caught;
  }
  await writing;
  return { output: concatBytes(parts), error };
}

/** Runs the stream and expects success; returns its output. */
export async function transformAll(
  stream: TransformStream<Uint8Array, Uint8Array>,
  pieces: readonly Uint8Array[],
): Promise<Uint8Array<ArrayBuffer>> {
  const { output, error } = await runThrough(stream, pieces);
  if (error instanceof Error) throw error;
  expect(error).toBeNull();
  return output;
}

export function expectCode(error: unknown, code: FileCryptoErrorCode): void {
  expect(error).toBeInstanceOf(FileCryptoError);
  expect((error as FileCryptoError).code).toBe(code);
}

export async function rejectionCode(promise: Promise<unknown>): Promise<FileCryptoErrorCode> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FileCryptoError);
    return (error as FileCryptoError).code;
  }
  throw new Error('expected a FileCryptoError, but the call succeeded');
}

export function thrownCode(call: () => unknown): FileCryptoErrorCode {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(FileCryptoError);
    return (error as FileCryptoError).code;
  }
  throw new Error('expected a FileCryptoError, but the call succeeded');
}

/*
 * An independent implementation of the documented format with node:crypto, written from
 * docs/file-encryption.md and not from the code under test: it checks that the code writes
 * exactly that format, and it builds files no encryptor would write.
 */

const HEADER = 73;
const TAG = 16;

function referenceNonce(index: number, isFinal: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32BE(index, 7);
  nonce[11] = isFinal ? 1 : 0;
  return nonce;
}

function referenceKeys(
  fileKey: Uint8Array,
  salt: Uint8Array,
): { commitment: Buffer; payloadKey: Buffer } {
  const derive = (info: string) =>
    Buffer.from(hkdfSync('sha256', fileKey, salt, Buffer.from(info), 32));
  return {
    commitment: derive('amtsbote file v1 key commitment'),
    payloadKey: derive('amtsbote file v1 payload'),
  };
}

/** Decrypts a whole file per the documented format; throws on anything unexpected. */
export function referenceDecrypt(fileKey: Uint8Array, file: Uint8Array): Uint8Array<ArrayBuffer> {
  const bytes = Buffer.from(file);
  expect(bytes.subarray(0, 4).toString('latin1')).toBe('AMBF');
  expect(bytes[4]).toBe(1);
  const chunkBytes = bytes.readUInt32BE(5);
  const salt = bytes.subarray(9, 41);
  const { commitment, payloadKey } = referenceKeys(fileKey, salt);
  expect(bytes.subarray(41, HEADER).equals(commitment)).toBe(true);
  const header = bytes.subarray(0, HEADER);
  const parts: Uint8Array[] = [];
  let offset = HEADER;
  for (let index = 0; ; index++) {
    const end = Math.min(offset + chunkBytes + TAG, bytes.length);
    const isFinal = end === bytes.length;
    const decipher = createDecipheriv('aes-256-gcm', payloadKey, referenceNonce(index, isFinal));
    decipher.setAAD(header);
    decipher.setAuthTag(bytes.subarray(end - TAG, end));
    parts.push(decipher.update(bytes.subarray(offset, end - TAG)), decipher.final());
    offset = end;
    if (isFinal) return concatBytes(parts);
  }
}

export interface ReferenceChunk {
  readonly plaintext: Uint8Array;
  readonly isFinal: boolean;
}

/** Writes a file from chunks as given, canonical or not (index = position in the list). */
export function referenceEncrypt(
  fileKey: Uint8Array,
  chunkBytes: number,
  chunks: readonly ReferenceChunk[],
): Uint8Array<ArrayBuffer> {
  const salt = patternedBytes(32, 7);
  const { commitment, payloadKey } = referenceKeys(fileKey, salt);
  const header = Buffer.alloc(HEADER);
  header.write('AMBF', 0, 'latin1');
  header[4] = 1;
  header.writeUInt32BE(chunkBytes, 5);
  header.set(salt, 9);
  header.set(commitment, 41);
  const parts: Uint8Array[] = [header];
  chunks.forEach((chunk, index) => {
    const cipher = createCipheriv('aes-256-gcm', payloadKey, referenceNonce(index, chunk.isFinal));
    cipher.setAAD(header);
    parts.push(cipher.update(chunk.plaintext), cipher.final(), cipher.getAuthTag());
  });
  return concatBytes(parts);
}

/** Fast byte equality (toEqual walks typed arrays element by element); names the first difference. */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  if (
    Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(
      Buffer.from(expected.buffer, expected.byteOffset, expected.length),
    )
  )
    return;
  let at = 0;
  while (at < Math.min(actual.length, expected.length) && actual[at] === expected[at]) at++;
  expect.fail(
    `bytes differ: lengths ${actual.length} and ${expected.length}, first difference at ${at}`,
  );
}
