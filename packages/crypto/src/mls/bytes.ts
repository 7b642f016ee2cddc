/*
 * Small byte helpers for the canonical encodings of this folder (credentials, device bundles,
 * exported group state). Lengths are big-endian u16 prefixes; readers reject truncation and
 * callers check that nothing trails.
 */

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text);
}

const MAX_U16 = 0xffff;

/** Appends u8 values and u16-length-prefixed byte strings. */
export class ByteWriter {
  private readonly parts: Uint8Array[] = [];

  u8(value: number): this {
    this.parts.push(Uint8Array.of(value & 0xff));
    return this;
  }

  lengthPrefixed(bytes: Uint8Array): this {
    if (bytes.length > MAX_U16) throw new RangeError('field longer than a u16 length prefix');
    this.parts.push(Uint8Array.of(bytes.length >> 8, bytes.length & 0xff), bytes);
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.parts.push(bytes);
    return this;
  }

  toBytes(): Uint8Array<ArrayBuffer> {
    return concatBytes(...this.parts);
  }
}

/** Thrown by ByteReader; callers translate it into their own typed error. */
export class ByteReaderError extends Error {
  constructor(readonly reason: 'truncated' | 'trailing_bytes') {
    super(reason === 'truncated' ? 'input ends too early' : 'input has trailing bytes');
  }
}

export class ByteReader {
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {}

  u8(): number {
    const value = this.bytes[this.offset];
    if (value === undefined) throw new ByteReaderError('truncated');
    this.offset += 1;
    return value;
  }

  lengthPrefixed(): Uint8Array<ArrayBuffer> {
    const high = this.u8();
    const low = this.u8();
    return this.take((high << 8) | low);
  }

  rest(): Uint8Array<ArrayBuffer> {
    return this.take(this.bytes.length - this.offset);
  }

  /** Throws unless every byte was read. */
  end(): void {
    if (this.offset !== this.bytes.length) throw new ByteReaderError('trailing_bytes');
  }

  private take(length: number): Uint8Array<ArrayBuffer> {
    if (this.offset + length > this.bytes.length) throw new ByteReaderError('truncated');
    const out = this.bytes.slice(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }
}
