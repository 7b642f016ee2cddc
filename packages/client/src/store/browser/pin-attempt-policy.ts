/*
 * How the vault answers failed PIN attempts: the first few are free (typos), then each waits
 * twice as long as the one before, up to a cap, and the last allowed one wipes the vault.
 * With the defaults: failures 1–3 no wait, then 2 s, 4 s, 8 s, …, 64 s after the 9th; the 10th wipes.
 */

/** Failed attempts that cost no wait. */
export const PIN_ATTEMPTS_WITHOUT_DELAY = 3;
/** The wait after the first failure that costs one is twice this. */
export const PIN_DELAY_BASE_MS = 1_000;
export const PIN_MAX_DELAY_MS = 5 * 60 * 1_000;
export const DEFAULT_MAX_FAILED_PIN_ATTEMPTS = 10;
/** The largest maxFailedAttempts a vault accepts. */
export const MAX_FAILED_PIN_ATTEMPTS_LIMIT = 100;

/** The wait before the next attempt, after `failedAttempts` failures in a row. */
export function pinRetryDelayMs(failedAttempts: number): number {
  if (failedAttempts <= PIN_ATTEMPTS_WITHOUT_DELAY) return 0;
  const exponent = failedAttempts - PIN_ATTEMPTS_WITHOUT_DELAY;
  return Math.min(PIN_DELAY_BASE_MS * 2 ** exponent, PIN_MAX_DELAY_MS);
}
