import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Base64urlError, base64urlDecode, base64urlEncode } from './base64url.js';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

/** RFC 4648 section 10, without the padding that base64url (section 5) leaves out here. */
const RFC_4648_VECTORS: readonly (readonly [string, string])[] = [
  ['', ''],
  ['f', 'Zg'],
  ['fo', 'Zm8'],
  ['foo', 'Zm9v'],
  ['foob', 'Zm9vYg'],
  ['fooba', 'Zm9vYmE'],
  ['foobar', 'Zm9vYmFy'],
];

/** Bytes whose standard base64 uses '+' and '/', the two characters base64url replaces. */
const URL_SAFE_VECTORS: readonly (readonly [readonly number[], string])[] = [
  [[0xfb, 0xef, 0xbe], '----'],
  [[0xff, 0xff, 0xff], '____'],
  [[0xfb, 0xff], '-_8'],
  [[0x00, 0x10, 0x83, 0x10, 0x51, 0x87], 'ABCDEFGH'],
];

describe('base64urlEncode', () => {
  it.each(RFC_4648_VECTORS)('encodes %j as %j', (input, expected) => {
    expect(base64urlEncode(ascii(input))).toBe(expected);
  });

  it.each(URL_SAFE_VECTORS)('encodes bytes %j as %j', (bytes, expected) => {
    expect(base64urlEncode(Uint8Array.from(bytes))).toBe(expected);
  });

  it('agrees with Node’s base64url encoding for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(base64urlEncode(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
      }),
    );
  });
});

describe('base64urlDecode', () => {
  it.each(RFC_4648_VECTORS)('decodes %j from %j', (expected, input) => {
    expect(base64urlDecode(input)).toEqual(ascii(expected));
  });

  it.each(URL_SAFE_VECTORS)('decodes bytes %j from %j', (expected, input) => {
    expect(base64urlDecode(input)).toEqual(Uint8Array.from(expected));
  });

  it('returns the original bytes for any encoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(base64urlDecode(base64urlEncode(bytes))).toEqual(bytes);
      }),
    );
  });

  it.each(['Zm9v+', 'Zm9v/', 'Zm8=', 'Zm 9', 'Zm9ä', 'Zm9v\n'])(
    'rejects %j, which holds a character outside the base64url alphabet',
    (input) => {
      expect(() => base64urlDecode(input)).toThrow(Base64urlError);
    },
  );

  it.each(['A', 'Zm9vY', 'Zm9vYmFyZ'])('rejects %j, whose length no encoding has', (input) => {
    expect(() => base64urlDecode(input)).toThrow(Base64urlError);
  });

  it('rejects with the stable code invalid_base64url', () => {
    expect(() => base64urlDecode('A')).toThrow(
      expect.objectContaining({ code: 'invalid_base64url' }),
    );
  });

  it('rejects any text with a character outside the alphabet', () => {
    const alphabet = /^[A-Za-z0-9_-]*$/;
    fc.assert(
      fc.property(
        fc.string({ minLength: 2, maxLength: 40 }).filter((s) => !alphabet.test(s)),
        (text) => {
          expect(() => base64urlDecode(text)).toThrow(Base64urlError);
        },
      ),
    );
  });
});

describe('base64urlDecode canonical form', () => {
  it('rejects texts whose unused trailing bits are not zero', () => {
    expect(base64urlDecode('Zg')).toEqual(new Uint8Array([0x66]));
    expect(() => base64urlDecode('Zh')).toThrow(Base64urlError);
    expect(() => base64urlDecode('Zm9')).toThrow(Base64urlError);
  });
});
