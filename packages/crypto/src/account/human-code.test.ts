import { describe, expect, it } from 'vitest';
import {
  CROCKFORD_ALPHABET,
  HumanCodeError,
  formatHumanCode,
  humanCodeBits,
  parseHumanCode,
  randomSymbols,
  type HumanCodeFormat,
} from './human-code.js';

const FORMAT: HumanCodeFormat = { dataSymbols: 14, checkSymbols: 2, groupSize: 4 };

function reasonOf(input: string): string {
  try {
    parseHumanCode(FORMAT, input);
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(HumanCodeError);
    return (error as HumanCodeError).reason;
  }
}

describe('human codes', () => {
  it('format data and check symbols in hyphenated groups of Crockford base32', () => {
    const text = formatHumanCode(FORMAT, randomSymbols(14));
    expect(text).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(humanCodeBits(FORMAT)).toBe(70);
    expect(CROCKFORD_ALPHABET).toHaveLength(32);
  });

  it('parse back the data symbols, whatever the case, spacing and look-alike letters', () => {
    const data = randomSymbols(14);
    const text = formatHumanCode(FORMAT, data);
    expect(parseHumanCode(FORMAT, text)).toEqual(data);
    const sloppy = ` ${text.toLowerCase().replaceAll('-', ' ').replaceAll('0', 'o').replaceAll('1', 'l')} `;
    expect(parseHumanCode(FORMAT, sloppy)).toEqual(data);
    expect(parseHumanCode(FORMAT, text.replaceAll('1', 'I').replaceAll('-', ''))).toEqual(data);
  });

  it('name a mistyped character, a missing one and a failed check apart', () => {
    const text = formatHumanCode(FORMAT, randomSymbols(14));
    expect(reasonOf(`${text.slice(0, -1)}U`)).toBe('invalid_character');
    expect(reasonOf(`${text.slice(0, -1)}!`)).toBe('invalid_character');
    expect(reasonOf(text.slice(0, -1))).toBe('wrong_length');
    expect(reasonOf(`${text}A`)).toBe('wrong_length');
    expect(reasonOf('A'.repeat(1000))).toBe('wrong_length');
    const first = text.charAt(0);
    const typo = (first === 'A' ? 'B' : 'A') + text.slice(1);
    expect(reasonOf(typo)).toBe('checksum_mismatch');
  });
});
