import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_PIECE_BYTES, fileHandleStream, openInputFile } from './file-input.js';

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const pieces: Uint8Array[] = [];
  for await (const piece of stream) pieces.push(piece);
  return pieces;
}

describe('openInputFile', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'amtsbote-file-input-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('streams the file in pieces, with its name and size', async () => {
    const bytes = randomBytes(2 * READ_PIECE_BYTES + 123);
    const file = path.join(dir, 'Bauantrag.pdf');
    await writeFile(file, bytes);
    const input = await openInputFile(file);
    expect(input.name).toBe('Bauantrag.pdf');
    expect(input.sizeBytes).toBe(bytes.length);
    const pieces = await readAll(input.body);
    expect(pieces.map((p) => p.length)).toEqual([READ_PIECE_BYTES, READ_PIECE_BYTES, 123]);
    expect(Buffer.concat(pieces).equals(bytes)).toBe(true);
    await input.close();
  });

  it('streams an empty file as no piece at all', async () => {
    const file = path.join(dir, 'leer.txt');
    await writeFile(file, '');
    const input = await openInputFile(file);
    expect(input.sizeBytes).toBe(0);
    expect(await readAll(input.body)).toEqual([]);
  });

  it('refuses a missing file and a directory', async () => {
    await expect(openInputFile(path.join(dir, 'fehlt.pdf'))).rejects.toMatchObject({
      code: 'unreadable_file',
      exitCode: 2,
      message: expect.stringContaining('does not exist') as unknown,
    });
    await expect(openInputFile(dir)).rejects.toMatchObject({ code: 'not_a_file', exitCode: 2 });
  });
});

describe('fileHandleStream', () => {
  /** A file handle over bytes that counts its reads and its closing. */
  function fakeHandle(bytes: Uint8Array) {
    const state = { reads: 0, closes: 0, position: 0 };
    const handle = {
      read(buffer: Uint8Array, offset: number, length: number) {
        state.reads += 1;
        const piece = bytes.subarray(state.position, state.position + length);
        buffer.set(piece, offset);
        state.position += piece.length;
        return Promise.resolve({ bytesRead: piece.length, buffer });
      },
    } as unknown as FileHandle;
    const close = (): Promise<void> => {
      state.closes += 1;
      return Promise.resolve();
    };
    return { handle, close, state };
  }

  it('reads only as the consumer pulls, and closes at the end', async () => {
    const { handle, close, state } = fakeHandle(randomBytes(1000));
    const reader = fileHandleStream(handle, close, 100).getReader();
    await new Promise((r) => setTimeout(r, 10));
    expect(state.reads).toBe(0);
    await reader.read();
    await new Promise((r) => setTimeout(r, 10));
    expect(state.reads).toBe(1);
    for (;;) if ((await reader.read()).done) break;
    expect(state.reads).toBe(11);
    expect(state.closes).toBe(1);
  });

  it('closes the file when the consumer cancels', async () => {
    const { handle, close, state } = fakeHandle(randomBytes(1000));
    const reader = fileHandleStream(handle, close, 100).getReader();
    await reader.read();
    await reader.cancel();
    expect(state.closes).toBe(1);
  });
});
