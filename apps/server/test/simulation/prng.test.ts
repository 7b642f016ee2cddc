import { describe, expect, it } from 'vitest';
import { Prng } from './prng.js';
import { backendFromEnvironment, seedFromEnvironment } from './replay-options.js';

const draws = (prng: Prng, count: number): number[] =>
  Array.from({ length: count }, () => prng.nextUint32());

describe('Prng', () => {
  it('repeats the same draws for the same seed and differs for another', () => {
    expect(draws(new Prng(42), 50)).toEqual(draws(new Prng(42), 50));
    expect(draws(new Prng(42), 50)).not.toEqual(draws(new Prng(43), 50));
  });

  it('draws integers within the bound and every value of a small range', () => {
    const prng = new Prng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const value = prng.int(6);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(6);
      seen.add(value);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('shuffles into a permutation and leaves the input as it was', () => {
    const input = [1, 2, 3, 4, 5, 6, 7, 8];
    const shuffled = new Prng(1).shuffle(input);
    expect([...shuffled].sort()).toEqual(input);
    expect(input).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('draws by weight and never a key of weight zero', () => {
    const prng = new Prng(3);
    const counts = { often: 0, rarely: 0, never: 0 };
    for (let i = 0; i < 2000; i++) counts[prng.weighted({ often: 9, rarely: 1, never: 0 })]++;
    expect(counts.never).toBe(0);
    expect(counts.often).toBeGreaterThan(counts.rarely * 4);
  });

  it('refuses a non-positive bound', () => {
    expect(() => new Prng(1).int(0)).toThrow(RangeError);
  });
});

describe('replay options', () => {
  it('reads a seed and a backend, and refuses malformed ones', () => {
    expect(seedFromEnvironment({})).toBeNull();
    expect(seedFromEnvironment({ AMTSBOTE_SIM_SEED: '123' })).toBe(123);
    expect(() => seedFromEnvironment({ AMTSBOTE_SIM_SEED: '-1' })).toThrow(/AMTSBOTE_SIM_SEED/);
    expect(() => seedFromEnvironment({ AMTSBOTE_SIM_SEED: 'abc' })).toThrow(/AMTSBOTE_SIM_SEED/);
    expect(backendFromEnvironment({ AMTSBOTE_SIM_BACKEND: 'postgres' })).toBe('postgres');
    expect(() => backendFromEnvironment({ AMTSBOTE_SIM_BACKEND: 'mysql' })).toThrow(
      /AMTSBOTE_SIM_BACKEND/,
    );
  });
});
