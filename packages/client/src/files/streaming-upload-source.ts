/*
 * The ciphertext of an upload as tus-js-client's file source in Node, where it is streamed:
 * a slice is handed out at once as a ChunkBody whose bytes the HTTP stack (node-upload-stack.ts)
 * sends as the encryptor produces them, so encrypting and sending overlap instead of taking
 * turns. Bytes are kept from the offset the server last acknowledged (the start of the latest
 * slice) on, since a retry after a lost connection resumes anywhere after it.
 *
 * They are kept in one ring buffer of `limitBytes` (a chunk and the read-ahead), allocated once
 * per upload, so memory has a fixed bound whatever the file's size and the sizes of the stream's
 * pieces (a list of pieces would keep whole outputs alive for a view of a few bytes). The copy
 * into it costs little beside the encryption. The stream is read once.
 */

/** Raised to whoever waits on a closed or failed source. */
export class UploadSourceClosedError extends Error {}

export class StreamingUploadSource {
  readonly size: number;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #onFailure: (error: Error) => void;
  /** The byte at offset `o` is `#ring[o % #ring.length]`, for `#keptFrom <= o < #readUpTo`. */
  readonly #ring: Uint8Array<ArrayBuffer>;
  #keptFrom = 0;
  #readUpTo = 0;
  /** The rest of the last piece read, waiting for room in the ring. */
  #waiting: Uint8Array | null = null;
  #receivedBytes = 0;
  #failure: Error | null = null;
  #isReading = false;
  #wake: (() => void)[] = [];

  /**
   * `onFailure` hears once of a stream that fails or is not `sizeBytes` long; the upload must
   * then end, since the bytes can never be sent. `limitBytes` must be at least a chunk.
   */
  constructor(
    reader: ReadableStreamDefaultReader<Uint8Array>,
    sizeBytes: number,
    limitBytes: number,
    onFailure: (error: Error) => void,
  ) {
    this.#reader = reader;
    this.size = sizeBytes;
    this.#onFailure = onFailure;
    this.#ring = new Uint8Array(Math.max(1, Math.min(limitBytes, sizeBytes)));
    // The first bytes are read while the upload is being created.
    this.#fill();
  }

  /**
   * tus-js-client's slice: everything before `start` is on the server, so it is let go; the
   * body is handed out before its bytes exist.
   */
  slice(start: number, end: number): Promise<{ value: ChunkBody; done: boolean }> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    const stop = Math.min(end, this.size);
    if (start < this.#keptFrom || start > this.#readUpTo || stop <= start) {
      return Promise.reject(new Error(`the upload cannot go on at ${start}`));
    }
    if (stop - start > this.#ring.length) {
      return Promise.reject(new Error('an upload chunk is larger than the read buffer'));
    }
    this.#keptFrom = start;
    this.#fill();
    return Promise.resolve({ value: new ChunkBody(this, start, stop), done: stop === this.size });
  }

  /** Ends reading (tus-js-client calls it on success; the transport on failure or abort). */
  close(): void {
    this.#fail(new UploadSourceClosedError('the upload ended'), false);
  }

  /**
   * The next bytes from `position` (at most up to `end`), waiting for the encryptor if needed.
   * A view of the ring, valid until the server has acknowledged those bytes.
   */
  async read(position: number, end: number): Promise<Uint8Array> {
    for (;;) {
      if (this.#failure !== null) throw this.#failure;
      if (position < this.#keptFrom) {
        throw new UploadSourceClosedError('a later request took over from this one');
      }
      if (position < this.#readUpTo) {
        const at = position % this.#ring.length;
        const length = Math.min(Math.min(end, this.#readUpTo) - position, this.#ring.length - at);
        return this.#ring.subarray(at, at + length);
      }
      this.#fill();
      await new Promise<void>((resolve) => this.#wake.push(resolve));
    }
  }

  /** Reads until the ring is full or the stream ends. */
  #fill(): void {
    if (this.#isReading || this.#failure !== null) return;
    this.#isReading = true;
    void this.#readMore().finally(() => {
      this.#isReading = false;
    });
  }

  async #readMore(): Promise<void> {
    try {
      while (this.#failure === null) {
        if (this.#waiting === null) {
          const { done, value } = await this.#reader.read();
          if (done) {
            if (this.#receivedBytes !== this.size) {
              throw new Error(`the upload body ended after ${this.#receivedBytes} of ${this.size}`);
            }
            return;
          }
          this.#receivedBytes += value.length;
          if (this.#receivedBytes > this.size) {
            throw new Error(`the upload body is longer than ${this.size} bytes`);
          }
          this.#waiting = value;
        }
        const room = this.#ring.length - (this.#readUpTo - this.#keptFrom);
        // Full: a slice that lets bytes go starts reading again.
        if (room === 0) return;
        const part = this.#waiting.subarray(0, room);
        this.#copyIn(part);
        this.#waiting = part.length === this.#waiting.length ? null : this.#waiting.subarray(room);
        this.#wakeAll();
      }
    } catch (error) {
      this.#fail(error instanceof Error ? error : new Error(String(error)), true);
    }
  }

  #copyIn(bytes: Uint8Array): void {
    const at = this.#readUpTo % this.#ring.length;
    const first = Math.min(bytes.length, this.#ring.length - at);
    this.#ring.set(bytes.subarray(0, first), at);
    if (first < bytes.length) this.#ring.set(bytes.subarray(first), 0);
    this.#readUpTo += bytes.length;
  }

  #fail(error: Error, isStreamFailure: boolean): void {
    if (this.#failure !== null) return;
    this.#failure = error;
    this.#waiting = null;
    this.#wakeAll();
    if (isStreamFailure) this.#onFailure(error);
    else this.#reader.cancel(error).catch(() => undefined);
  }

  #wakeAll(): void {
    const waiting = this.#wake;
    this.#wake = [];
    for (const resolve of waiting) resolve();
  }
}

/** One PATCH body: the bytes [start, end) of the source, streamed as they are read. */
export class ChunkBody {
  readonly #source: StreamingUploadSource;
  readonly start: number;
  readonly end: number;
  /** tus-js-client reads the body's length from `size`. */
  readonly size: number;

  constructor(source: StreamingUploadSource, start: number, end: number) {
    this.#source = source;
    this.start = start;
    this.end = end;
    this.size = end - start;
  }

  async *pieces(): AsyncGenerator<Uint8Array, void, undefined> {
    for (let position = this.start; position < this.end;) {
      const piece = await this.#source.read(position, this.end);
      position += piece.length;
      yield piece;
    }
  }
}
