import { randomInt } from 'node:crypto';
import type { Backend } from '../support/test-server.js';
import { UINT32 } from './prng.js';

/* Which run to do: a seed and a storage, fresh or replayed from the environment. */

/** The seed to replay from AMTSBOTE_SIM_SEED, or null when none is set. */
export function seedFromEnvironment(env: NodeJS.ProcessEnv = process.env): number | null {
  const text = env['AMTSBOTE_SIM_SEED'];
  if (text === undefined || text.trim() === '') return null;
  const seed = Number(text);
  if (!Number.isInteger(seed) || seed < 0 || seed >= UINT32) {
    throw new Error(`AMTSBOTE_SIM_SEED must be an integer from 0 to 2^32-1, got "${text}"`);
  }
  return seed;
}

/** The storage to replay on, from AMTSBOTE_SIM_BACKEND (pglite or postgres), or null. */
export function backendFromEnvironment(env: NodeJS.ProcessEnv = process.env): Backend | null {
  const text = env['AMTSBOTE_SIM_BACKEND'];
  if (text === undefined || text.trim() === '') return null;
  if (text === 'pglite' || text === 'postgres') return text;
  throw new Error(`AMTSBOTE_SIM_BACKEND must be pglite or postgres, got "${text}"`);
}

export function freshSeed(): number {
  return randomInt(0, 2 ** 31);
}
