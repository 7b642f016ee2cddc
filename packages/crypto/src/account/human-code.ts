import { randomBytes } from '../random.js';
import { computeCheckSymbols, isCodeWord } from './gf32-check.js';

/*
 * Secrets people read, type or write down (recovery keys, device link codes): Crockford base32
 * symbols (no I, L, O, U; case-insensitive; I and L read as 1, O as 0), grouped with hyphens,
 * followed by Reed-Solomon check symbols (gf32-check.ts) so a typo gets its own clear error
 * instead of looking like a wrong secret.
 */

export const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const SYMBOL_BITS = 5;
const ALIASES: Readonly<Record<string, string>> = { I: '1', L: '1', O: '0' };
const SEPARATORS = /[\s-]+/g;

export interface HumanCodeFormat {
  /** Random symbols: SYMBOL_BITS bits of secret each. */
  readonly dataSymbols: number;
  readonly checkSymbols: number;
  /** Symbols between two hyphens. */
  readonly groupSize: number;
}

export type HumanCodeErrorReason = 'invalid_character' | 'wrong_length' | 'checksum_mismatch';

export class HumanCodeError extends Error {
  readonly code = 'invalid_human_code';

  constructor(
    readonly reason: HumanCodeErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'HumanCodeError';
  }
}

/** Bits of secret a code of this format carries. */
export function humanCodeBits(format: HumanCodeFormat): number {
  return format.dataSymbols * SYMBOL_BITS;
}

/** Uniformly random 5-bit symbols (256 is a multiple of 32, so masking a byte has no bias). */
export function randomSymbols(count: number): Uint8Array {
  return randomBytes(count).map((byte) => byte & 31);
}

/** Maps bytes to symbols the same way; for symbols derived from a key instead of drawn. */
export function symbolsFromBytes(bytes: Uint8Array): Uint8Array {
  return bytes.map((byte) => byte & 31);
}

/** The data symbols with their check symbols, grouped: e.g. "7KQ2-M9XD-…". */
export function formatHumanCode(format: HumanCodeFormat, data: Uint8Array): string {
  if (data.length !== format.dataSymbols) {
    throw new RangeError(`the code has ${format.dataSymbols} data symbols, not ${data.length}`);
  }
  const word = [...data, ...computeCheckSymbols(data, format.checkSymbols)];
  const text = word.map((symbol) => CROCKFORD_ALPHABET.charAt(symbol)).join('');
  const groups: string[] = [];
  for (let i = 0; i < text.length; i += format.groupSize) {
    groups.push(text.slice(i, i + format.groupSize));
  }
  return groups.join('-');
}

/**
 * The data symbols of a typed code. Tolerates case, spaces, hyphens and the Crockford aliases;
 * refuses anything else, a wrong length and a failed check with a HumanCodeError.
 */
export function parseHumanCode(format: HumanCodeFormat, input: string): Uint8Array {
  const total = format.dataSymbols + format.checkSymbols;
  // Bounds the work on pasted garbage before looking at any character.
  if (input.length > 4 * total) {
    throw new HumanCodeError('wrong_length', `the code has ${total} characters`);
  }
  const compact = input.replace(SEPARATORS, '').toUpperCase();
  const word = new Uint8Array(compact.length);
  for (let i = 0; i < compact.length; i++) {
    const char = compact.charAt(i);
    const symbol = CROCKFORD_ALPHABET.indexOf(ALIASES[char] ?? char);
    if (symbol < 0) {
      throw new HumanCodeError(
        'invalid_character',
        `"${char}" is not a character of the code (digits and letters except U)`,
      );
    }
    word[i] = symbol;
  }
  if (word.length !== total) {
    throw new HumanCodeError(
      'wrong_length',
      `the code has ${total} characters, not ${word.length}`,
    );
  }
  if (!isCodeWord(word, format.checkSymbols)) {
    throw new HumanCodeError('checksum_mismatch', 'the code has a typo: its check does not match');
  }
  return word.slice(0, format.dataSymbols);
}
