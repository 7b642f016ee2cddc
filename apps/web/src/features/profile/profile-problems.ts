import { ApiError, PasskeyError, type PasskeyErrorCode } from '@amtsbote/client';
import { problemOf, type Problem } from '../../app/problems.js';
import type { de } from '../../i18n/de.js';
import { UnlockRefusedError } from '../../session/device-vault.js';

/** A passkey or session problem: a `problem…` key of the catalog's `profile` section. */
export type ProfileProblem = Extract<keyof (typeof de)['profile'], `problem${string}`>;

/** The catalog key of the text that tells the user about an error. */
export type ProblemText = `profile.${ProfileProblem}` | `problems.${Problem}`;

const OF_PASSKEY_CODE: Readonly<Record<PasskeyErrorCode, ProfileProblem>> = {
  not_supported: 'problemNotSupported',
  cancelled: 'problemCancelled',
  already_registered: 'problemAlreadyRegistered',
  prf_unavailable: 'problemPrfUnavailable',
  failed: 'problemFailed',
};

const OF_API_CODE: Readonly<Partial<Record<string, ProfileProblem>>> = {
  passkey_invalid: 'problemPasskeyInvalid',
  challenge_expired: 'problemChallengeExpired',
  session_not_found: 'problemSessionGone',
  not_found: 'problemPasskeyGone',
};

/** What to tell the user about an error of a passkey ceremony, the server or the vault. */
export function problemTextOf(error: unknown): ProblemText {
  if (error instanceof PasskeyError) return `profile.${OF_PASSKEY_CODE[error.code]}`;
  if (error instanceof UnlockRefusedError && error.refusal.kind === 'wrong_passkey') {
    return 'profile.problemWrongPasskey';
  }
  if (error instanceof ApiError) {
    const problem = OF_API_CODE[error.code];
    if (problem !== undefined) return `profile.${problem}`;
  }
  return `problems.${problemOf(error)}`;
}
