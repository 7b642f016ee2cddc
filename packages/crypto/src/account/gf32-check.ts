/*
 * Check symbols for codes people type (recovery keys, device link codes): a Reed-Solomon code
 * over GF(32), one field element per base32 symbol. With k check symbols the code has minimum
 * distance k + 1 up to 31 symbols, so every error that changes at most k symbols is detected:
 * with k = 2, every mistyped symbol, every pair of mistyped symbols and every swap of two
 * symbols. Other errors go unnoticed with probability 32^-k. A hash would give the same odds
 * but no guarantee for the common single typo.
 *
 * GF(32) = GF(2)[x] / (x^5 + x^2 + 1); alpha = x generates its multiplicative group. The code
 * word is data || check, read as a polynomial with the first symbol the highest coefficient;
 * it is a multiple of g(x) = (x - alpha)(x - alpha^2)…(x - alpha^k).
 */

const PRIMITIVE_POLYNOMIAL = 0b100101;
const FIELD_ORDER = 32;
/** The longest code word for which the distance guarantee holds (the field's nonzero elements). */
export const MAX_CODE_WORD_SYMBOLS = FIELD_ORDER - 1;

interface FieldTables {
  readonly exp: Uint8Array;
  readonly log: Uint8Array;
}

function buildTables(): FieldTables {
  const exp = new Uint8Array(2 * MAX_CODE_WORD_SYMBOLS);
  const log = new Uint8Array(FIELD_ORDER);
  let x = 1;
  for (let i = 0; i < MAX_CODE_WORD_SYMBOLS; i++) {
    exp[i] = x;
    exp[i + MAX_CODE_WORD_SYMBOLS] = x;
    log[x] = i;
    x <<= 1;
    if ((x & FIELD_ORDER) !== 0) x ^= PRIMITIVE_POLYNOMIAL;
  }
  return { exp, log };
}

const TABLES = buildTables();

function multiply(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return TABLES.exp[(TABLES.log[a] ?? 0) + (TABLES.log[b] ?? 0)] ?? 0;
}

/** alpha^power. */
function alphaTo(power: number): number {
  return TABLES.exp[power % MAX_CODE_WORD_SYMBOLS] ?? 0;
}

/** g(x), highest coefficient first (it is 1). */
function generator(checkSymbols: number): Uint8Array {
  let g = Uint8Array.of(1);
  for (let i = 1; i <= checkSymbols; i++) {
    // g * (x + alpha^i); in characteristic 2, minus is plus.
    const next = new Uint8Array(g.length + 1);
    const root = alphaTo(i);
    for (let j = 0; j < g.length; j++) {
      const coefficient = g[j] ?? 0;
      next[j] = (next[j] ?? 0) ^ coefficient;
      next[j + 1] = (next[j + 1] ?? 0) ^ multiply(coefficient, root);
    }
    g = next;
  }
  return g;
}

function assertSymbols(symbols: Uint8Array, checkSymbols: number): void {
  if (symbols.length + checkSymbols > MAX_CODE_WORD_SYMBOLS) {
    throw new RangeError(`a code word has at most ${MAX_CODE_WORD_SYMBOLS} symbols`);
  }
  if (symbols.some((s) => s >= FIELD_ORDER)) throw new RangeError('symbols are 5-bit values');
}

/** The check symbols that make data || check a code word. */
export function computeCheckSymbols(data: Uint8Array, checkSymbols: number): Uint8Array {
  assertSymbols(data, checkSymbols);
  const g = generator(checkSymbols);
  const remainder = new Uint8Array(data.length + checkSymbols);
  remainder.set(data);
  for (let i = 0; i < data.length; i++) {
    const coefficient = remainder[i] ?? 0;
    if (coefficient === 0) continue;
    for (let j = 1; j < g.length; j++) {
      remainder[i + j] = (remainder[i + j] ?? 0) ^ multiply(g[j] ?? 0, coefficient);
    }
  }
  return remainder.slice(data.length);
}

/** True when the word (data followed by its check symbols) is a code word: no error detected. */
export function isCodeWord(word: Uint8Array, checkSymbols: number): boolean {
  assertSymbols(word, 0);
  for (let i = 1; i <= checkSymbols; i++) {
    const point = alphaTo(i);
    let value = 0;
    for (const symbol of word) value = multiply(value, point) ^ symbol;
    if (value !== 0) return false;
  }
  return true;
}
