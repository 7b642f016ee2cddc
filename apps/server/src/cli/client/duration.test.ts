import { MAX_TRANSFER_SECONDS, MIN_TRANSFER_SECONDS } from '@amtsbote/protocol';
import { describe, expect, it } from 'vitest';
import { parseExpiresSeconds } from './duration.js';

describe('parseExpiresSeconds', () => {
  it('reads minutes, hours and days', () => {
    expect(parseExpiresSeconds('30m')).toBe(30 * 60);
    expect(parseExpiresSeconds('12h')).toBe(12 * 3600);
    expect(parseExpiresSeconds('7d')).toBe(7 * 86_400);
    expect(parseExpiresSeconds(' 1m ')).toBe(60);
  });

  it('takes the shortest and the longest a transfer may last', () => {
    expect(parseExpiresSeconds(`${MIN_TRANSFER_SECONDS / 60}m`)).toBe(MIN_TRANSFER_SECONDS);
    expect(parseExpiresSeconds(`${MAX_TRANSFER_SECONDS / 86_400}d`)).toBe(MAX_TRANSFER_SECONDS);
  });

  it('refuses durations outside those bounds, naming them', () => {
    expect(() => parseExpiresSeconds('0m')).toThrow('--expires is from 1m to 30d');
    expect(() => parseExpiresSeconds(`${MAX_TRANSFER_SECONDS / 86_400 + 1}d`)).toThrow(
      /from 1m to 30d/,
    );
  });

  it('refuses other spellings with invalid_expires', () => {
    for (const bad of ['', '7', 'd', '7 d', '1.5h', '-1d', '7w', '7D', '3600s', '9999999m']) {
      expect(() => parseExpiresSeconds(bad), bad).toThrow(
        expect.objectContaining({ code: 'invalid_expires', exitCode: 2 }),
      );
    }
  });
});
