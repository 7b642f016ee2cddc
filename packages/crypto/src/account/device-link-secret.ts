import { base64urlDecode, base64urlEncode } from '../base64url.js';
import { ByteWriter } from '../mls/bytes.js';
import { isUuid, uuidToBytes } from '../mls/uuid.js';
import { ACCOUNT_LABELS, hkdfSha256, hmacSha256, labelBytes, pbkdf2Sha256 } from './account-kdf.js';
import {
  HumanCodeError,
  formatHumanCode,
  humanCodeBits,
  parseHumanCode,
  symbolsFromBytes,
  type HumanCodeFormat,
} from './human-code.js';

/*
 * The secret of a device link and the two ways it reaches the approving device: the QR payload
 * carries all of it (32 random bytes), the short code 70 bits derived from it. The new device
 * commits to its public key with one tag per way; see ADR 0007 for why 70 bits, stretched by
 * PBKDF2, suffice against a server that swaps the key.
 */

export const DEVICE_LINK_SECRET_BYTES = 32;
export const DEVICE_LINK_TAG_BYTES = 32;
export const DEVICE_LINK_CODE_FORMAT: HumanCodeFormat = {
  dataSymbols: 14,
  checkSymbols: 2,
  groupSize: 4,
};
export const DEVICE_LINK_CODE_BITS = humanCodeBits(DEVICE_LINK_CODE_FORMAT);
/** Each guess of a code costs this many HMAC-SHA-256 (about 70 ms on a laptop). */
export const DEVICE_LINK_CODE_ITERATIONS = 200_000;
export const DEVICE_LINK_QR_PREFIX = 'amtsbote-link:1:';
const KEY_BYTES = 32;
const QR_PATTERN = /^amtsbote-link:1:([0-9a-f-]{36}):([A-Za-z0-9_-]{43})$/;

/** What the approving device was given: the typed code or the scanned QR payload. */
export type DeviceLinkSecret =
  | { readonly kind: 'code'; readonly code: Uint8Array }
  | { readonly kind: 'qr'; readonly linkId: string; readonly secret: Uint8Array };

export type DeviceLinkErrorReason =
  /** Neither a link code nor a link QR payload (typo, wrong characters, failed check). */
  | 'mistyped'
  /** No pending link of the user matches the code (a wrong code, or an expired or used link). */
  | 'no_matching_link'
  /** The link named by the QR payload was not made by the holder of its secret: tampered. */
  | 'tag_mismatch'
  /** The approval the new device received was not sealed by a holder of the link secret. */
  | 'approval_mismatch'
  /** The new device's public key is not an X-Wing key, although its tag verified. */
  | 'invalid_public_key';

export class DeviceLinkError extends Error {
  readonly code = 'invalid_device_link';

  constructor(
    readonly reason: DeviceLinkErrorReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'DeviceLinkError';
  }
}

export function idBytes(name: string, id: string): Uint8Array {
  const bytes = uuidToBytes(id);
  if (bytes === null) throw new RangeError(`${name} is not a UUID`);
  return bytes;
}

/** The 14 symbols of the short code, derived from the link secret. */
export async function codeOfLinkSecret(secret: Uint8Array): Promise<Uint8Array> {
  const bytes = await hkdfSha256(
    secret,
    labelBytes(ACCOUNT_LABELS.linkCode),
    DEVICE_LINK_CODE_FORMAT.dataSymbols,
  );
  return symbolsFromBytes(bytes);
}

export function formatDeviceLinkCode(code: Uint8Array): string {
  return formatHumanCode(DEVICE_LINK_CODE_FORMAT, code);
}

export function formatDeviceLinkQrPayload(linkId: string, secret: Uint8Array): string {
  if (!isUuid(linkId)) throw new RangeError('linkId is not a UUID');
  return `${DEVICE_LINK_QR_PREFIX}${linkId}:${base64urlEncode(secret)}`;
}

/** Reads a typed code or a scanned QR payload; anything else is a DeviceLinkError 'mistyped'. */
export function parseDeviceLinkSecret(input: string): DeviceLinkSecret {
  const text = input.trim();
  if (text.startsWith('amtsbote-link:')) {
    const match = QR_PATTERN.exec(text);
    const linkId = match?.[1];
    const secretText = match?.[2];
    if (linkId === undefined || secretText === undefined || !isUuid(linkId)) {
      throw new DeviceLinkError('mistyped', 'not a device link QR payload of this version');
    }
    let secret: Uint8Array;
    try {
      secret = base64urlDecode(secretText);
    } catch (error) {
      throw new DeviceLinkError('mistyped', 'the QR payload holds no valid secret', {
        cause: error,
      });
    }
    return { kind: 'qr', linkId, secret };
  }
  try {
    return { kind: 'code', code: parseHumanCode(DEVICE_LINK_CODE_FORMAT, text) };
  } catch (error) {
    if (error instanceof HumanCodeError) {
      throw new DeviceLinkError('mistyped', `not a device link code: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

export interface CodeKeys {
  readonly tagKey: Uint8Array;
  readonly confirmationKey: Uint8Array;
}

/**
 * The MAC keys of the short code, stretched with PBKDF2 so that a server testing guesses
 * against a tag pays DEVICE_LINK_CODE_ITERATIONS per guess. The salt binds the user, not the
 * link, so an approver derives them once for all the user's pending links.
 */
export async function codeKeys(code: Uint8Array, userId: string): Promise<CodeKeys> {
  const salt = new ByteWriter()
    .lengthPrefixed(labelBytes(ACCOUNT_LABELS.linkCodeKey))
    .lengthPrefixed(idBytes('userId', userId))
    .toBytes();
  const stretched = await pbkdf2Sha256(code, salt, DEVICE_LINK_CODE_ITERATIONS, KEY_BYTES);
  return {
    tagKey: await hkdfSha256(stretched, labelBytes(ACCOUNT_LABELS.linkCodeTagKey), KEY_BYTES),
    confirmationKey: await hkdfSha256(
      stretched,
      labelBytes(ACCOUNT_LABELS.linkConfirmationKey),
      KEY_BYTES,
    ),
  };
}

/** The MAC key of the QR tag: the full secret, no stretching needed. */
export async function qrTagKey(secret: Uint8Array): Promise<Uint8Array> {
  return hkdfSha256(secret, labelBytes(ACCOUNT_LABELS.linkQrTagKey), KEY_BYTES);
}

export interface LinkedDevice {
  readonly userId: string;
  readonly deviceId: string;
  readonly publicKey: Uint8Array;
}

/** A tag: the new device's commitment to its public key, for this user and device. */
export async function linkTag(key: Uint8Array, device: LinkedDevice): Promise<Uint8Array> {
  const message = new ByteWriter()
    .lengthPrefixed(labelBytes(ACCOUNT_LABELS.linkTag))
    .lengthPrefixed(idBytes('userId', device.userId))
    .lengthPrefixed(idBytes('deviceId', device.deviceId))
    .lengthPrefixed(device.publicKey)
    .toBytes();
  return hmacSha256(key, message);
}

/** The approver's proof that it knew the link secret when it sealed the user secrets. */
export async function linkConfirmation(
  key: Uint8Array,
  linkId: string,
  device: LinkedDevice,
  sealedSecrets: Uint8Array,
): Promise<Uint8Array> {
  const message = new ByteWriter()
    .lengthPrefixed(labelBytes(ACCOUNT_LABELS.linkConfirmation))
    .lengthPrefixed(idBytes('linkId', linkId))
    .lengthPrefixed(idBytes('userId', device.userId))
    .lengthPrefixed(idBytes('deviceId', device.deviceId))
    .lengthPrefixed(device.publicKey)
    .lengthPrefixed(sealedSecrets)
    .toBytes();
  return hmacSha256(key, message);
}
