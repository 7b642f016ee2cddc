import { MAX_VAULT_SECRET_LENGTH, VAULT_PRF_OUTPUT_BYTES, VaultKeyError } from '@amtsbote/crypto';
import { DEFAULT_BLOCKED_TIMEOUT_MS } from './idb-databases.js';
import {
  DEFAULT_MAX_FAILED_PIN_ATTEMPTS,
  MAX_FAILED_PIN_ATTEMPTS_LIMIT,
} from './pin-attempt-policy.js';
import { VaultError } from './vault-error.js';
import { MAX_CREDENTIAL_ID_BYTES, META_DATABASE_SUFFIX } from './vault-meta.js';

/*
 * What the app passes the Vault, and its checks: each refuses with 'invalid_input' before
 * anything is read, written or counted.
 */

export const MAX_VAULT_NAME_LENGTH = 128;

export interface VaultOptions {
  /** The store's database name; the record lives in `${name}-meta`. */
  readonly name: string;
  /** The clock (ms since the epoch) that PIN lock-outs are measured by. */
  readonly now: () => number;
  /** The failed PIN attempt that reaches this number wipes the vault; 10 unless given. */
  readonly maxFailedAttempts?: number;
  /** How long a wipe waits for other tabs to close the databases; 10 s unless given. */
  readonly blockedTimeoutMs?: number;
}

export interface CreateVaultOptions extends VaultOptions {
  readonly pin: string;
}

export interface PrfUnlock {
  /** The passkey's credential id (rawId), for WebAuthn's allowCredentials at unlock. */
  readonly credentialId: Uint8Array;
  /** The prf extension's output for vaultPrfEvaluationInput() (@amtsbote/crypto). */
  readonly prfOutput: Uint8Array;
}

export interface VaultConfig {
  readonly name: string;
  readonly now: () => number;
  readonly maxFailedAttempts: number;
  readonly blockedTimeoutMs: number;
}

const LONE_SURROGATE = /\p{Surrogate}/u;

export function checkName(name: unknown): asserts name is string {
  if (
    typeof name !== 'string' ||
    name.length === 0 ||
    name.length > MAX_VAULT_NAME_LENGTH ||
    LONE_SURROGATE.test(name) ||
    // 'x-meta' would be the record database of vault 'x'.
    name.endsWith(META_DATABASE_SUFFIX)
  ) {
    throw new VaultError(
      'invalid_input',
      `a vault name has 1 to ${MAX_VAULT_NAME_LENGTH} characters and does not end in ${META_DATABASE_SUFFIX}`,
    );
  }
}

export function checkOptions(options: VaultOptions): VaultConfig {
  checkName(options.name);
  const maxFailedAttempts = options.maxFailedAttempts ?? DEFAULT_MAX_FAILED_PIN_ATTEMPTS;
  if (
    !Number.isInteger(maxFailedAttempts) ||
    maxFailedAttempts < 1 ||
    maxFailedAttempts > MAX_FAILED_PIN_ATTEMPTS_LIMIT
  ) {
    throw new VaultError(
      'invalid_input',
      `maxFailedAttempts is an integer from 1 to ${MAX_FAILED_PIN_ATTEMPTS_LIMIT}`,
    );
  }
  const blockedTimeoutMs = options.blockedTimeoutMs ?? DEFAULT_BLOCKED_TIMEOUT_MS;
  if (typeof options.now !== 'function' || !(blockedTimeoutMs >= 0)) {
    throw new VaultError('invalid_input', 'a vault needs a clock and a non-negative timeout');
  }
  return { name: options.name, now: options.now, maxFailedAttempts, blockedTimeoutMs };
}

/** Checked before an attempt is counted: a PIN that cannot be right costs no attempt. */
export function checkPin(pin: unknown): asserts pin is string {
  if (
    typeof pin !== 'string' ||
    pin.length === 0 ||
    pin.normalize('NFC').length > MAX_VAULT_SECRET_LENGTH ||
    LONE_SURROGATE.test(pin)
  ) {
    throw new VaultError(
      'invalid_input',
      `a PIN has 1 to ${MAX_VAULT_SECRET_LENGTH} characters of well-formed Unicode`,
    );
  }
}

export function checkPrfOutput(prfOutput: unknown): void {
  if (!(prfOutput instanceof Uint8Array) || prfOutput.length !== VAULT_PRF_OUTPUT_BYTES) {
    throw new VaultError('invalid_input', `a PRF output has ${VAULT_PRF_OUTPUT_BYTES} bytes`);
  }
}

export function fromKeyError(error: unknown): unknown {
  if (!(error instanceof VaultKeyError)) return error;
  return error.code === 'invalid_input'
    ? new VaultError('invalid_input', error.message, { cause: error })
    : new VaultError('vault_corrupt', `the vault's wrapped key is damaged (${error.code})`, {
        cause: error,
      });
}

export function checkCredentialId(credentialId: unknown): void {
  if (
    !(credentialId instanceof Uint8Array) ||
    credentialId.length === 0 ||
    credentialId.length > MAX_CREDENTIAL_ID_BYTES
  ) {
    throw new VaultError(
      'invalid_input',
      `a credential id has 1 to ${MAX_CREDENTIAL_ID_BYTES} bytes`,
    );
  }
}
