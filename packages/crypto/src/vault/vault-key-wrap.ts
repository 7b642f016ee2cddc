import { ownBuffer } from '../account/account-kdf.js';
import { randomBytes } from '../random.js';
import { STORAGE_KEY_BYTES } from '../record-cipher.js';
import { VaultKeyError } from './vault-key-error.js';

/*
 * The key of an on-device vault (the web app's IndexedDB) and its wraps, on WebCrypto only.
 * The vault key is a random storage key (see record-cipher); it never leaves the device and is
 * kept only wrapped, once per unlock method:
 *
 *   PIN or passphrase:  wrap key = PBKDF2-SHA-256(NFC(secret), random salt, 600,000 iterations)
 *   passkey (PRF):      wrap key = HKDF-SHA-256(PRF output, random salt, VAULT_KEY_LABELS.prfWrapKey)
 *
 * Wrap format (version 1, 78 bytes):
 *
 *     version (1) || method (1) || salt (16) || nonce (12) || AES-256-GCM(vault key) (32) || tag (16)
 *
 * GCM authenticates the method's label, the vault id and the header (version, method, salt), so
 * a wrap copied into another vault, or with any changed byte, does not open.
 *
 * The PIN wrap is only as strong as PBKDF2 makes the PIN: whoever copies the wrap can guess
 * offline at 600,000 HMACs per guess. Counting failed attempts (the client's Vault) limits
 * guesses through the app only. The passkey wrap rests on a 256-bit PRF output and has no
 * such limit.
 */

export const VAULT_KEY_BYTES = STORAGE_KEY_BYTES;
/** OWASP's figure for PBKDF2-HMAC-SHA-256 (2023), as for transfer passwords. */
export const VAULT_PIN_ITERATIONS = 600_000;
export const VAULT_WRAP_SALT_BYTES = 16;
/** The output of WebAuthn's prf extension (one evaluation of HMAC-SHA-256). */
export const VAULT_PRF_OUTPUT_BYTES = 32;
export const VAULT_KEY_WRAP_VERSION = 1;
/** The longest PIN or passphrase accepted, in UTF-16 code units after NFC. */
export const MAX_VAULT_SECRET_LENGTH = 1024;
/** The longest vault id bound into a wrap, in UTF-16 code units. */
export const MAX_VAULT_ID_LENGTH = 256;

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 2 + VAULT_WRAP_SALT_BYTES;
export const WRAPPED_VAULT_KEY_BYTES = HEADER_BYTES + NONCE_BYTES + VAULT_KEY_BYTES + TAG_BYTES;

/** Every label of vault key wrapping; one purpose each. */
export const VAULT_KEY_LABELS = {
  /** AEAD associated data of the vault key wrapped under a PIN or passphrase. */
  secretWrap: 'amtsbote vault key wrap secret v1',
  /** HKDF info: the AES key that wraps the vault key, from a passkey's PRF output. */
  prfWrapKey: 'amtsbote vault key wrap prf key v1',
  /** AEAD associated data of the vault key wrapped under a passkey's PRF output. */
  prfWrap: 'amtsbote vault key wrap prf v1',
  /** The input the app gives WebAuthn's prf extension (`eval.first`) to unlock a vault. */
  prfEvaluation: 'amtsbote vault prf evaluation v1',
} as const;

/** The unlock methods, as the wrap's method byte. */
const METHODS = { secret: 1, prf: 2 } as const;
type Method = keyof typeof METHODS;

type Subtle = typeof globalThis.crypto.subtle;
type WebCryptoKey = Awaited<ReturnType<Subtle['importKey']>>;

const LONE_SURROGATE = /\p{Surrogate}/u;
const encoder = new TextEncoder();

/** A fresh random vault key; import it with importStorageKey, then wipe it. */
export function generateVaultKey(): Uint8Array<ArrayBuffer> {
  return randomBytes(VAULT_KEY_BYTES);
}

/** What the app passes WebAuthn as the prf extension's `eval.first` when it unlocks a vault. */
export function vaultPrfEvaluationInput(): Uint8Array<ArrayBuffer> {
  return encoder.encode(VAULT_KEY_LABELS.prfEvaluation);
}

export async function wrapVaultKeyWithSecret(
  vaultKey: Uint8Array,
  secret: string,
  vaultId: string,
): Promise<Uint8Array<ArrayBuffer>> {
  checkVaultKey(vaultKey);
  checkVaultId(vaultId);
  const salt = randomBytes(VAULT_WRAP_SALT_BYTES);
  return seal('secret', vaultKey, vaultId, salt, await secretWrapKey(secret, salt));
}

/** The vault key; `wrong_secret` for a wrong PIN, another vault's wrap or changed bytes. */
export async function unwrapVaultKeyWithSecret(
  wrapped: Uint8Array,
  secret: string,
  vaultId: string,
): Promise<Uint8Array<ArrayBuffer>> {
  checkVaultId(vaultId);
  const salt = readSalt(wrapped, 'secret');
  return open('secret', wrapped, vaultId, await secretWrapKey(secret, salt));
}

export async function wrapVaultKeyWithPrf(
  vaultKey: Uint8Array,
  prfOutput: Uint8Array,
  vaultId: string,
): Promise<Uint8Array<ArrayBuffer>> {
  checkVaultKey(vaultKey);
  checkVaultId(vaultId);
  const salt = randomBytes(VAULT_WRAP_SALT_BYTES);
  return seal('prf', vaultKey, vaultId, salt, await prfWrapKey(prfOutput, salt));
}

/** The vault key; `wrong_secret` for another passkey's output, another vault's wrap or changed bytes. */
export async function unwrapVaultKeyWithPrf(
  wrapped: Uint8Array,
  prfOutput: Uint8Array,
  vaultId: string,
): Promise<Uint8Array<ArrayBuffer>> {
  checkVaultId(vaultId);
  const salt = readSalt(wrapped, 'prf');
  return open('prf', wrapped, vaultId, await prfWrapKey(prfOutput, salt));
}

async function secretWrapKey(secret: string, salt: Uint8Array<ArrayBuffer>): Promise<WebCryptoKey> {
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new VaultKeyError('invalid_input', 'the PIN or passphrase is empty');
  }
  const normalized = secret.normalize('NFC');
  if (normalized.length > MAX_VAULT_SECRET_LENGTH || LONE_SURROGATE.test(normalized)) {
    throw new VaultKeyError(
      'invalid_input',
      `a PIN or passphrase has at most ${MAX_VAULT_SECRET_LENGTH} characters of well-formed Unicode`,
    );
  }
  const subtle = globalThis.crypto.subtle;
  const material = await subtle.importKey('raw', encoder.encode(normalized), 'PBKDF2', false, [
    'deriveKey',
  ]);
  return subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations: VAULT_PIN_ITERATIONS },
    material,
    { name: 'AES-GCM', length: VAULT_KEY_BYTES * 8 },
    false,
    ['encrypt', 'decrypt'],
  );
}

async function prfWrapKey(
  prfOutput: Uint8Array,
  salt: Uint8Array<ArrayBuffer>,
): Promise<WebCryptoKey> {
  if (!(prfOutput instanceof Uint8Array) || prfOutput.length !== VAULT_PRF_OUTPUT_BYTES) {
    throw new VaultKeyError(
      'invalid_input',
      `a PRF output is a Uint8Array of ${VAULT_PRF_OUTPUT_BYTES} bytes`,
    );
  }
  const subtle = globalThis.crypto.subtle;
  const material = await subtle.importKey('raw', ownBuffer(prfOutput), 'HKDF', false, [
    'deriveKey',
  ]);
  return subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt, info: encoder.encode(VAULT_KEY_LABELS.prfWrapKey) },
    material,
    { name: 'AES-GCM', length: VAULT_KEY_BYTES * 8 },
    false,
    ['encrypt', 'decrypt'],
  );
}

function header(method: Method, salt: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(HEADER_BYTES);
  out[0] = VAULT_KEY_WRAP_VERSION;
  out[1] = METHODS[method];
  out.set(salt, 2);
  return out;
}

/** label, vault id and header, each length-prefixed so that no two triples encode alike. */
function associatedData(
  method: Method,
  vaultId: string,
  head: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const label = method === 'secret' ? VAULT_KEY_LABELS.secretWrap : VAULT_KEY_LABELS.prfWrap;
  const parts = [encoder.encode(label), encoder.encode(vaultId), head];
  const out = new Uint8Array(parts.reduce((sum, part) => sum + 4 + part.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const part of parts) {
    view.setUint32(at, part.length);
    out.set(part, at + 4);
    at += 4 + part.length;
  }
  return out;
}

async function seal(
  method: Method,
  vaultKey: Uint8Array,
  vaultId: string,
  salt: Uint8Array,
  wrapKey: WebCryptoKey,
): Promise<Uint8Array<ArrayBuffer>> {
  const head = header(method, salt);
  const nonce = randomBytes(NONCE_BYTES);
  const sealed = await globalThis.crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: nonce, additionalData: associatedData(method, vaultId, head) },
    wrapKey,
    ownBuffer(vaultKey),
  );
  const out = new Uint8Array(WRAPPED_VAULT_KEY_BYTES);
  out.set(head, 0);
  out.set(nonce, HEADER_BYTES);
  out.set(new Uint8Array(sealed), HEADER_BYTES + NONCE_BYTES);
  return out;
}

async function open(
  method: Method,
  wrapped: Uint8Array,
  vaultId: string,
  wrapKey: WebCryptoKey,
): Promise<Uint8Array<ArrayBuffer>> {
  try {
    const opened = await globalThis.crypto.subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: wrapped.slice(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES),
        additionalData: associatedData(method, vaultId, wrapped.subarray(0, HEADER_BYTES)),
      },
      wrapKey,
      wrapped.slice(HEADER_BYTES + NONCE_BYTES),
    );
    return new Uint8Array(opened);
  } catch (error) {
    throw new VaultKeyError(
      'wrong_secret',
      'the vault key does not open (wrong secret, another vault, or changed bytes)',
      { cause: error },
    );
  }
}

/** Checks the wrap's shape and method before any key derivation, and returns its salt. */
function readSalt(wrapped: Uint8Array, method: Method): Uint8Array<ArrayBuffer> {
  if (!(wrapped instanceof Uint8Array) || wrapped.length !== WRAPPED_VAULT_KEY_BYTES) {
    throw new VaultKeyError(
      'malformed',
      `a wrapped vault key has ${WRAPPED_VAULT_KEY_BYTES} bytes`,
    );
  }
  if (wrapped[0] !== VAULT_KEY_WRAP_VERSION) {
    throw new VaultKeyError('malformed', `wrap version ${wrapped[0]} is not known`);
  }
  if (wrapped[1] !== METHODS[method]) {
    throw new VaultKeyError('malformed', `the wrap is not a ${method} wrap`);
  }
  return wrapped.slice(2, HEADER_BYTES);
}

function checkVaultKey(vaultKey: Uint8Array): void {
  if (!(vaultKey instanceof Uint8Array) || vaultKey.length !== VAULT_KEY_BYTES) {
    throw new VaultKeyError(
      'invalid_input',
      `a vault key is a Uint8Array of ${VAULT_KEY_BYTES} bytes`,
    );
  }
}

function checkVaultId(vaultId: string): void {
  if (
    typeof vaultId !== 'string' ||
    vaultId.length === 0 ||
    vaultId.length > MAX_VAULT_ID_LENGTH ||
    LONE_SURROGATE.test(vaultId)
  ) {
    throw new VaultKeyError(
      'invalid_input',
      `a vault id has 1 to ${MAX_VAULT_ID_LENGTH} characters of well-formed Unicode`,
    );
  }
}
