import { describe, expect, it } from 'vitest';
import { MAX_CODE_WORD_SYMBOLS, computeCheckSymbols, isCodeWord } from './gf32-check.js';
import { randomSymbols } from './human-code.js';

const CHECK = 2;

function codeWord(dataLength: number): Uint8Array {
  const data = randomSymbols(dataLength);
  return Uint8Array.from([...data, ...computeCheckSymbols(data, CHECK)]);
}

describe('GF(32) check symbols', () => {
  it('make data a code word, and all-zero data has all-zero checks', () => {
    for (let i = 0; i < 50; i++) expect(isCodeWord(codeWord(26), CHECK)).toBe(true);
    expect([...computeCheckSymbols(new Uint8Array(14), CHECK)]).toEqual([0, 0]);
  });

  it('detect every change of one symbol, at every position to every other value', () => {
    const word = codeWord(26);
    for (let position = 0; position < word.length; position++) {
      for (let value = 0; value < 32; value++) {
        if (value === word[position]) continue;
        const changed = word.slice();
        changed[position] = value;
        expect(isCodeWord(changed, CHECK), `position ${position} to ${value}`).toBe(false);
      }
    }
  });

  it('detect every change of two symbols', () => {
    const word = codeWord(14);
    let checked = 0;
    for (let a = 0; a < word.length; a++) {
      for (let b = a + 1; b < word.length; b++) {
        for (let deltaA = 1; deltaA < 32; deltaA++) {
          for (let deltaB = 1; deltaB < 32; deltaB++) {
            const changed = word.slice();
            changed[a] = (changed[a] ?? 0) ^ deltaA;
            changed[b] = (changed[b] ?? 0) ^ deltaB;
            if (isCodeWord(changed, CHECK)) throw new Error(`missed ${a}+${b}`);
            checked += 1;
          }
        }
      }
    }
    expect(checked).toBe(((16 * 15) / 2) * 31 * 31);
  });

  it('detect every swap of two different symbols', () => {
    const word = codeWord(26);
    for (let a = 0; a < word.length; a++) {
      for (let b = a + 1; b < word.length; b++) {
        if (word[a] === word[b]) continue;
        const swapped = word.slice();
        swapped[a] = word[b] ?? 0;
        swapped[b] = word[a] ?? 0;
        expect(isCodeWord(swapped, CHECK), `swap ${a} and ${b}`).toBe(false);
      }
    }
  });

  it('refuses words longer than the field allows and symbols above 31', () => {
    expect(() => computeCheckSymbols(new Uint8Array(MAX_CODE_WORD_SYMBOLS - 1), CHECK)).toThrow(
      RangeError,
    );
    expect(() => computeCheckSymbols(Uint8Array.of(32), CHECK)).toThrow(RangeError);
  });
});
