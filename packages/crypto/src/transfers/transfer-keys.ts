import { Base64urlError, base64urlDecode, base64urlEncode } from '../base64url.js';
import { FileCryptoError } from '../files/file-crypto-error.js';
import { copyFileKey } from '../files/file-key.js';
import { randomBytes } from '../random.js';

/*
 * The keys of a transfer link (docs/file-encryption.md, "Transfer links"). The link's fragment
 * holds a 32-byte link secret that never reaches the server. From it, and from the password
 * when the link has one, the sender and the recipient derive alike:
 *
 *   password bits = PBKDF2-SHA-256(NFC(password), salt = HKDF(secret, "… password salt"), 600,000)
 *   material      = secret || password bits          (the secret alone without a password)
 *   access token  = HKDF(material, "amtsbote transfer v1 access")    — proves the link to the server
 *   wrap key      = HKDF(material, "amtsbote transfer v1 key wrap")  — AES-256-GCM over the file key
 *
 * The server stores SHA-256(access token) and the wrapped file key. Without the secret it can
 * neither guess the password offline nor unwrap the key; someone with the link but without the
 * password can only guess online, where the server counts wrong tokens and locks the transfer.
 */

export const TRANSFER_SECRET_BYTES = 32;
export const TRANSFER_ACCESS_TOKEN_BYTES = 32;
/** nonce (12) || ciphertext of the 32-byte file key || tag (16). */
export const WRAPPED_FILE_KEY_BYTES = 60;
/** OWASP's figure for PBKDF2-HMAC-SHA-256 (2023). */
export const TRANSFER_PASSWORD_ITERATIONS = 600_000;
const PASSWORD_SALT_BYTES = 16;
const NONCE_BYTES = 12;
/** The fragment's mark of a link that asks for a password; '.' is not in base64url. */
const PASSWORD_MARK = '.p';

const LABELS = {
  passwordSalt: 'amtsbote transfer v1 password salt',
  access: 'amtsbote transfer v1 access',
  wrap: 'amtsbote transfer v1 key wrap',
  wrapAad: 'amtsbote transfer v1 file key',
} as const;

type Subtle = typeof globalThis.crypto.subtle;
type WebCryptoKey = Awaited<ReturnType<Subtle['importKey']>>;

const encoder = new TextEncoder();

export interface TransferLinkSecret {
  readonly secret: Uint8Array<ArrayBuffer>;
  readonly passwordProtected: boolean;
}

export interface TransferKeys {
  /** Sent to the server to open a transfer and start a download; its SHA-256 at creation. */
  readonly accessToken: Uint8Array<ArrayBuffer>;
  readonly wrapKey: WebCryptoKey;
}

export function generateTransferSecret(): Uint8Array<ArrayBuffer> {
  return randomBytes(TRANSFER_SECRET_BYTES);
}

/** The link's fragment (without '#'): the secret as base64url, marked when a password is asked. */
export function transferFragment(link: TransferLinkSecret): string {
  checkSecret(link.secret);
  return base64urlEncode(link.secret) + (link.passwordProtected ? PASSWORD_MARK : '');
}

/** Reads a fragment written by transferFragment; a leading '#' is allowed. */
export function parseTransferFragment(fragment: string): TransferLinkSecret {
  const text = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  const passwordProtected = text.endsWith(PASSWORD_MARK);
  const encoded = passwordProtected ? text.slice(0, -PASSWORD_MARK.length) : text;
  if (encoded.length !== 43) throw invalidLink();
  let secret: Uint8Array<ArrayBuffer>;
  try {
    secret = base64urlDecode(encoded);
  } catch (error) {
    if (error instanceof Base64urlError) throw invalidLink(error);
    throw error;
  }
  return { secret, passwordProtected };
}

/**
 * The access token and wrap key of a link. `password` must be given exactly when the link is
 * password protected; it is normalized (NFC), so the same password typed on another system
 * gives the same keys.
 */
export async function deriveTransferKeys(
  link: TransferLinkSecret,
  password: string | null,
): Promise<TransferKeys> {
  checkSecret(link.secret);
  if (link.passwordProtected !== (password !== null)) {
    throw new FileCryptoError(
      'invalid_input',
      link.passwordProtected ? 'this link needs its password' : 'this link has no password',
    );
  }
  if (password !== null && password.length === 0) {
    throw new FileCryptoError('invalid_input', 'the password is empty');
  }
  const subtle = globalThis.crypto.subtle;
  const secretKey = await subtle.importKey('raw', link.secret, 'HKDF', false, ['deriveBits']);
  let material: Uint8Array<ArrayBuffer> = new Uint8Array(link.secret);
  if (password !== null) {
    const salt = await hkdfBits(secretKey, LABELS.passwordSalt, PASSWORD_SALT_BYTES);
    const passwordKey = await subtle.importKey(
      'raw',
      encoder.encode(password.normalize('NFC')),
      'PBKDF2',
      false,
      ['deriveBits'],
    );
    const bits = await subtle.deriveBits(
      { name: 'PBKDF2', hash: 'SHA-256', salt, iterations: TRANSFER_PASSWORD_ITERATIONS },
      passwordKey,
      256,
    );
    material = concat(link.secret, new Uint8Array(bits));
  }
  const materialKey = await subtle.importKey('raw', material, 'HKDF', false, [
    'deriveBits',
    'deriveKey',
  ]);
  material.fill(0);
  const accessToken = await hkdfBits(materialKey, LABELS.access, TRANSFER_ACCESS_TOKEN_BYTES);
  const wrapKey = await subtle.deriveKey(
    hkdfParams(LABELS.wrap),
    materialKey,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
  return { accessToken, wrapKey };
}

/** SHA-256 of the access token: what the server keeps to check it. */
export async function transferAccessHash(
  accessToken: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', accessToken));
}

export async function wrapFileKey(
  keys: TransferKeys,
  fileKey: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = copyFileKey(fileKey);
  const nonce = randomBytes(NONCE_BYTES);
  const sealed = await globalThis.crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: nonce, additionalData: encoder.encode(LABELS.wrapAad) },
    keys.wrapKey,
    key,
  );
  key.fill(0);
  return concat(nonce, new Uint8Array(sealed));
}

/** The file key; `wrong_key` when the link or password differs from the sender's. */
export async function unwrapFileKey(
  keys: TransferKeys,
  wrapped: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  if (!(wrapped instanceof Uint8Array) || wrapped.length !== WRAPPED_FILE_KEY_BYTES) {
    throw new FileCryptoError(
      'invalid_input',
      `a wrapped file key is ${WRAPPED_FILE_KEY_BYTES} bytes`,
    );
  }
  try {
    const opened = await globalThis.crypto.subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: new Uint8Array(wrapped.subarray(0, NONCE_BYTES)),
        additionalData: encoder.encode(LABELS.wrapAad),
      },
      keys.wrapKey,
      new Uint8Array(wrapped.subarray(NONCE_BYTES)),
    );
    return new Uint8Array(opened);
  } catch (error) {
    throw new FileCryptoError('wrong_key', 'the file key does not open with this link', {
      cause: error,
    });
  }
}

function hkdfParams(label: string): {
  name: string;
  hash: string;
  salt: Uint8Array<ArrayBuffer>;
  info: Uint8Array<ArrayBuffer>;
} {
  return { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: encoder.encode(label) };
}

async function hkdfBits(
  material: WebCryptoKey,
  label: string,
  lengthBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const bits = await globalThis.crypto.subtle.deriveBits(
    hkdfParams(label),
    material,
    lengthBytes * 8,
  );
  return new Uint8Array(bits);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function checkSecret(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length !== TRANSFER_SECRET_BYTES) {
    throw new FileCryptoError(
      'invalid_input',
      `a transfer secret is a Uint8Array of ${TRANSFER_SECRET_BYTES} bytes`,
    );
  }
}

function invalidLink(cause?: unknown): FileCryptoError {
  return new FileCryptoError(
    'invalid_input',
    'the link is incomplete or damaged: its part after # is not a transfer secret',
    cause === undefined ? {} : { cause },
  );
}
