import { AppError } from '../errors.js';
import type { IdentityContext } from './identity-context.js';
import { addressThrottleKey } from './login-service.js';

/** Codes that mean "no such secret": a wrong guess, which counts towards the back-off. */
const GUESS_CODES = new Set(['setup_link_invalid', 'invite_invalid']);

/**
 * Runs an operation that presents a secret link token (setup, invite) under the same growing
 * back-off per client address as logins, so link tokens cannot be guessed quickly.
 */
export async function guardSecretAttempt<T>(
  ctx: IdentityContext,
  clientAddress: string,
  operation: () => Promise<T>,
): Promise<T> {
  const keys = [addressThrottleKey(clientAddress)];
  ctx.throttle.check(keys);
  try {
    return await operation();
  } catch (error) {
    if (error instanceof AppError && GUESS_CODES.has(error.code)) ctx.throttle.recordFailure(keys);
    throw error;
  }
}
