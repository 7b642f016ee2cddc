import { MAX_TRANSFER_SECONDS, MIN_TRANSFER_SECONDS } from '@amtsbote/protocol';
import { ClientCliError } from './client-error.js';

/* `--expires` of a transfer: a whole number and a unit, e.g. 30m, 12h or 7d. */

const UNIT_SECONDS = { m: 60, h: 60 * 60, d: 24 * 60 * 60 } as const;

function spelled(seconds: number): string {
  if (seconds % UNIT_SECONDS.d === 0) return `${seconds / UNIT_SECONDS.d}d`;
  if (seconds % UNIT_SECONDS.h === 0) return `${seconds / UNIT_SECONDS.h}h`;
  return `${Math.ceil(seconds / UNIT_SECONDS.m)}m`;
}

/** "7d" → 604800; refuses other spellings and durations outside what a transfer may last. */
export function parseExpiresSeconds(text: string): number {
  const range = `from ${spelled(MIN_TRANSFER_SECONDS)} to ${spelled(MAX_TRANSFER_SECONDS)}`;
  const match = /^(\d{1,6})([mhd])$/.exec(text.trim());
  const unit = match?.[2] as keyof typeof UNIT_SECONDS | undefined;
  if (match === null || unit === undefined) {
    throw new ClientCliError(
      'invalid_expires',
      `--expires is a number with m, h or d (e.g. 30m, 12h, 7d), ${range}`,
    );
  }
  const seconds = Number(match[1]) * UNIT_SECONDS[unit];
  if (seconds < MIN_TRANSFER_SECONDS || seconds > MAX_TRANSFER_SECONDS) {
    throw new ClientCliError('invalid_expires', `--expires is ${range}`);
  }
  return seconds;
}
