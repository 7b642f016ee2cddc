import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from './constant-time.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

describe('constantTimeEqual', () => {
  it('is true for equal bytes', () => {
    expect(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2, 3))).toBe(true);
  });

  it('is true for two empty arrays', () => {
    expect(constantTimeEqual(bytes(), bytes())).toBe(true);
  });

  it('is false when only the first byte differs', () => {
    expect(constantTimeEqual(bytes(0, 2, 3), bytes(1, 2, 3))).toBe(false);
  });

  it('is false when only the last byte differs', () => {
    expect(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2, 4))).toBe(false);
  });

  it('is false when one array is a prefix of the other', () => {
    expect(constantTimeEqual(bytes(1, 2), bytes(1, 2, 3))).toBe(false);
    expect(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2))).toBe(false);
  });

  it('is false when one byte differs in a single bit', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (a, position, bit) => {
          const b = Uint8Array.from(a);
          const i = position % a.length;
          b[i] = (b[i] ?? 0) ^ (1 << bit);
          expect(constantTimeEqual(a, b)).toBe(false);
        },
      ),
    );
  });

  it('agrees with a plain comparison for any two arrays', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (a, b) => {
        expect(constantTimeEqual(a, b)).toBe(Buffer.from(a).equals(Buffer.from(b)));
      }),
    );
  });
});
