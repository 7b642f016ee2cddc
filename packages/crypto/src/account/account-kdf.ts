/*
 * The key derivations and MACs of user secrets, recovery and device linking, on WebCrypto only
 * (browsers and Node alike). Every label is a named constant with one purpose.
 */

export const ACCOUNT_LABELS = {
  /** HKDF info: the AES key that seals the user secrets under a recovery key. */
  recoveryKey: 'amtsbote recovery key v1',
  /** AEAD associated data of the sealed user secrets kept on the server for recovery. */
  recoverySealed: 'amtsbote recovery sealed user secrets v1',
  /** HKDF info: the short code of a device link, derived from the link secret. */
  linkCode: 'amtsbote device link code v1',
  /** PBKDF2 salt prefix: the stretched key of a device link code. */
  linkCodeKey: 'amtsbote device link code key v1',
  /** HKDF info: the MAC key of the code tag, from the stretched code key. */
  linkCodeTagKey: 'amtsbote device link code tag key v1',
  /** HKDF info: the MAC key of the QR tag, from the link secret. */
  linkQrTagKey: 'amtsbote device link qr tag key v1',
  /** HKDF info: the MAC key of the approver's confirmation, from the stretched code key. */
  linkConfirmationKey: 'amtsbote device link confirmation key v1',
  /** HMAC message prefix of both tags over the new device's public key. */
  linkTag: 'amtsbote device link tag v1',
  /** HMAC message prefix of the approver's confirmation over the sealed secrets. */
  linkConfirmation: 'amtsbote device link confirmation v1',
  /** HPKE info prefix of the user secrets sealed to the new device. */
  linkSeal: 'amtsbote device link seal v1',
} as const;
export type AccountLabel = (typeof ACCOUNT_LABELS)[keyof typeof ACCOUNT_LABELS];

type Subtle = typeof globalThis.crypto.subtle;
const subtle = (): Subtle => globalThis.crypto.subtle;

/** WebCrypto takes only views of an ArrayBuffer; copies a view of a SharedArrayBuffer. */
export function ownBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer
    ? (bytes as Uint8Array<ArrayBuffer>)
    : new Uint8Array(bytes);
}

export function labelBytes(label: AccountLabel): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(label);
}

/** HKDF-SHA-256 (RFC 5869) with an empty salt: the input is a uniformly random key. */
export async function hkdfSha256(
  inputKey: Uint8Array,
  info: Uint8Array,
  lengthBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await subtle().importKey('raw', ownBuffer(inputKey), 'HKDF', false, ['deriveBits']);
  const bits = await subtle().deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: ownBuffer(info) },
    key,
    lengthBytes * 8,
  );
  return new Uint8Array(bits);
}

/** PBKDF2-HMAC-SHA-256: stretches a short secret so that every guess costs `iterations`. */
export async function pbkdf2Sha256(
  secret: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  lengthBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await subtle().importKey('raw', ownBuffer(secret), 'PBKDF2', false, ['deriveBits']);
  const bits = await subtle().deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: ownBuffer(salt), iterations },
    key,
    lengthBytes * 8,
  );
  return new Uint8Array(bits);
}

export async function hmacSha256(
  key: Uint8Array,
  message: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  const hmacKey = await subtle().importKey(
    'raw',
    ownBuffer(key),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return new Uint8Array(await subtle().sign('HMAC', hmacKey, ownBuffer(message)));
}
