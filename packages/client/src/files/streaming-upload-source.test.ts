import { describe, expect, it } from 'vitest';
import {
  StreamingUploadSource,
  UploadSourceClosedError,
  type ChunkBody,
} from './streaming-upload-source.js';

/* The Node upload source: slices stream the bytes in order through a ring buffer, a retry can
   resume anywhere after the acknowledged offset, and reading stays within the limit. */

function patterned(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + (i >> 8)) & 0xff);
}

/** A stream of `bytes` in pieces of the given sizes (cycled); counts what was pulled. */
function streamOf(bytes: Uint8Array, pieceSizes: readonly number[]) {
  const pulled = { bytes: 0 };
  let offset = 0;
  let turn = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (offset >= bytes.length) {
          controller.close();
          return;
        }
        const size = pieceSizes[turn++ % pieceSizes.length] ?? 1;
        const piece = bytes.slice(offset, offset + size);
        offset += piece.length;
        pulled.bytes = offset;
        controller.enqueue(piece);
      },
    },
    { highWaterMark: 0 },
  );
  return { reader: stream.getReader(), pulled };
}

async function readBody(body: ChunkBody): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const piece of body.pieces()) parts.push(piece.slice());
  return Uint8Array.from(parts.flatMap((part) => [...part]));
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('StreamingUploadSource', () => {
  it('gives every slice its bytes in order, across the end of the ring', async () => {
    const bytes = patterned(10_000);
    const { reader } = streamOf(bytes, [333, 1, 2048]);
    const source = new StreamingUploadSource(reader, bytes.length, 1500, () => undefined);
    for (let start = 0; start < bytes.length; start += 1000) {
      const { value, done } = await source.slice(start, start + 1000);
      expect(done).toBe(start + 1000 >= bytes.length);
      expect(await readBody(value)).toEqual(bytes.subarray(start, start + 1000));
    }
  });

  it('resumes a retry inside the chunk in flight, at any offset the server reports', async () => {
    const bytes = patterned(5000);
    const { reader } = streamOf(bytes, [700]);
    const source = new StreamingUploadSource(reader, bytes.length, 1200, () => undefined);
    const first = await source.slice(0, 1000);
    expect(await readBody(first.value)).toEqual(bytes.subarray(0, 1000));
    // The connection broke; the server had 613 bytes.
    const retry = await source.slice(613, 1613);
    expect(await readBody(retry.value)).toEqual(bytes.subarray(613, 1613));
    await expect(readBody(first.value)).rejects.toBeInstanceOf(UploadSourceClosedError);
    await expect(source.slice(100, 1100)).rejects.toThrow();
  });

  it('reads no further than the limit past the acknowledged offset', async () => {
    const bytes = patterned(100_000);
    const { reader, pulled } = streamOf(bytes, [100]);
    const source = new StreamingUploadSource(reader, bytes.length, 3000, () => undefined);
    await settle();
    expect(pulled.bytes).toBeLessThanOrEqual(3000 + 100);
    const { value } = await source.slice(0, 2000);
    await readBody(value);
    await settle();
    expect(pulled.bytes).toBeLessThanOrEqual(3000 + 100);
    await source.slice(2000, 4000);
    await settle();
    expect(pulled.bytes).toBeGreaterThan(3000);
    expect(pulled.bytes).toBeLessThanOrEqual(2000 + 3000 + 100);
  });

  it('reports a body shorter or longer than declared, once, and fails what waits', async () => {
    for (const [declared, actual] of [
      [1000, 900],
      [1000, 1100],
    ] as const) {
      const failures: Error[] = [];
      const { reader } = streamOf(patterned(actual), [300]);
      const source = new StreamingUploadSource(reader, declared, 2000, (error) => {
        failures.push(error);
      });
      const { value } = await source.slice(0, declared);
      await expect(readBody(value)).rejects.toThrow(/upload body/);
      expect(failures).toHaveLength(1);
      await expect(source.slice(0, declared)).rejects.toThrow(/upload body/);
    }
  });

  it('passes on a failing stream, and cancels the stream when closed', async () => {
    const failures: unknown[] = [];
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('disk gone'));
      },
    });
    const source = new StreamingUploadSource(broken.getReader(), 10, 10, (error) => {
      failures.push(error);
    });
    await settle();
    expect(failures).toEqual([new Error('disk gone')]);
    await expect(source.slice(0, 10)).rejects.toThrow('disk gone');

    let cancelled: unknown = null;
    const endless = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(new Uint8Array(10)),
      cancel: (reason) => {
        cancelled = reason;
      },
    });
    const closing = new StreamingUploadSource(endless.getReader(), 1000, 100, () => undefined);
    closing.close();
    await settle();
    expect(cancelled).toBeInstanceOf(UploadSourceClosedError);
  });
});
