import { Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { XWing } from '@hpke/hybridkem-x-wing';
import { constantTimeEqual } from '../constant-time.js';
import { ByteReader, ByteWriter } from '../mls/bytes.js';
import { randomBytes } from '../random.js';
import { ACCOUNT_LABELS, labelBytes, ownBuffer } from './account-kdf.js';
import {
  DEVICE_LINK_SECRET_BYTES,
  DeviceLinkError,
  codeKeys,
  codeOfLinkSecret,
  formatDeviceLinkCode,
  formatDeviceLinkQrPayload,
  idBytes,
  linkConfirmation,
  linkTag,
  qrTagKey,
  type CodeKeys,
  type DeviceLinkSecret,
  type LinkedDevice,
} from './device-link-secret.js';
import { decodeUserSecrets, encodeUserSecrets, type UserSecrets } from './user-secrets.js';

/*
 * Device linking: a new device of a user receives the user secrets from a device that has
 * them. The new device makes an HPKE key pair and a link secret, and publishes the public key
 * with two tags (HMAC under keys from the code and from the QR secret). The approving device,
 * given the code or QR payload by the user, finds the link whose tag verifies, seals the user
 * secrets to its public key and adds a confirmation MAC; the new device checks the confirmation
 * and opens them. The server relays, and can neither read the secrets nor swap in its own key
 * without the link secret (ADR 0007).
 *
 * HPKE: X-Wing (X25519 + ML-KEM-768), HKDF-SHA-256, AES-256-GCM. The secrets are long-lived and
 * pass through the server, so they get the same post-quantum protection as X-Wing groups.
 */

/** The new device of a link, as bound into its tags, the HPKE info and the confirmation. */
export interface DeviceLinkParty {
  readonly organizationId: string;
  readonly userId: string;
  readonly deviceId: string;
}

/* Named through the suite, so this compiles with the DOM lib and with Node's types alike. */
type KemKey = Awaited<ReturnType<CipherSuite['kem']['deserializePublicKey']>>;

function linkSuite(): CipherSuite {
  return new CipherSuite({ kem: new XWing(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
}

function sealInfo(linkId: string, party: DeviceLinkParty): Uint8Array<ArrayBuffer> {
  return new ByteWriter()
    .lengthPrefixed(labelBytes(ACCOUNT_LABELS.linkSeal))
    .lengthPrefixed(idBytes('linkId', linkId))
    .lengthPrefixed(idBytes('organizationId', party.organizationId))
    .lengthPrefixed(idBytes('userId', party.userId))
    .lengthPrefixed(idBytes('deviceId', party.deviceId))
    .toBytes();
}

/** The new device's side: lives in memory only, from the link's creation until it completes. */
export class DeviceLinkRequest {
  readonly #party: DeviceLinkParty;
  readonly #privateKey: KemKey;
  readonly #secret: Uint8Array;
  readonly #keys: CodeKeys;
  readonly #device: LinkedDevice;
  readonly #code: string;
  readonly #codeTag: Uint8Array;
  readonly #qrTag: Uint8Array;

  private constructor(
    party: DeviceLinkParty,
    privateKey: KemKey,
    secret: Uint8Array,
    keys: CodeKeys,
    device: LinkedDevice,
    code: string,
    tags: { readonly code: Uint8Array; readonly qr: Uint8Array },
  ) {
    this.#party = party;
    this.#privateKey = privateKey;
    this.#secret = secret;
    this.#keys = keys;
    this.#device = device;
    this.#code = code;
    this.#codeTag = tags.code;
    this.#qrTag = tags.qr;
  }

  static async create(party: DeviceLinkParty): Promise<DeviceLinkRequest> {
    const suite = linkSuite();
    const keyPair = await suite.kem.generateKeyPair();
    const publicKey = new Uint8Array(await suite.kem.serializePublicKey(keyPair.publicKey));
    const secret = randomBytes(DEVICE_LINK_SECRET_BYTES);
    const code = await codeOfLinkSecret(secret);
    const keys = await codeKeys(code, party.userId);
    const device: LinkedDevice = { userId: party.userId, deviceId: party.deviceId, publicKey };
    const tags = {
      code: await linkTag(keys.tagKey, device),
      qr: await linkTag(await qrTagKey(secret), device),
    };
    return new DeviceLinkRequest(
      party,
      keyPair.privateKey,
      secret,
      keys,
      device,
      formatDeviceLinkCode(code),
      tags,
    );
  }

  get publicKey(): Uint8Array {
    return this.#device.publicKey.slice();
  }

  get codeTag(): Uint8Array {
    return this.#codeTag.slice();
  }

  get qrTag(): Uint8Array {
    return this.#qrTag.slice();
  }

  /** The short code to show, e.g. "7KQ2-M9XD-4TZB-H1C8". */
  get code(): string {
    return this.#code;
  }

  /** The QR payload to show, once the server assigned the link its id. */
  qrPayload(linkId: string): string {
    return formatDeviceLinkQrPayload(linkId, this.#secret);
  }

  /** Checks the approver's confirmation, then opens the user secrets; DeviceLinkError otherwise. */
  async openApproval(
    linkId: string,
    sealedSecrets: Uint8Array,
    confirmation: Uint8Array,
  ): Promise<UserSecrets> {
    const expected = await linkConfirmation(
      this.#keys.confirmationKey,
      linkId,
      this.#device,
      sealedSecrets,
    );
    if (!constantTimeEqual(expected, confirmation)) {
      throw new DeviceLinkError('approval_mismatch', 'the approval was not made with this link');
    }
    try {
      const reader = new ByteReader(sealedSecrets);
      const enc = reader.lengthPrefixed();
      const ciphertext = reader.lengthPrefixed();
      reader.end();
      const plaintext = await linkSuite().open(
        { recipientKey: this.#privateKey, enc, info: sealInfo(linkId, this.#party) },
        ciphertext,
      );
      return decodeUserSecrets(new Uint8Array(plaintext));
    } catch (error) {
      throw new DeviceLinkError('approval_mismatch', 'the approval does not open', {
        cause: error,
      });
    }
  }
}

/** A pending link as the server lists it to the user's other devices. */
export interface PendingDeviceLink {
  readonly id: string;
  readonly deviceId: string;
  readonly publicKey: Uint8Array;
  readonly codeTag: Uint8Array;
  readonly qrTag: Uint8Array;
}

export interface DeviceLinkApproval {
  readonly linkId: string;
  readonly deviceId: string;
  readonly sealedSecrets: Uint8Array;
  readonly confirmation: Uint8Array;
}

async function findLink(
  secret: DeviceLinkSecret,
  links: readonly PendingDeviceLink[],
  userId: string,
): Promise<{ link: PendingDeviceLink; keys: CodeKeys }> {
  const tagOf = (key: Uint8Array, link: PendingDeviceLink): Promise<Uint8Array> =>
    linkTag(key, { userId, deviceId: link.deviceId, publicKey: link.publicKey });
  if (secret.kind === 'qr') {
    const link = links.find((l) => l.id === secret.linkId);
    if (link === undefined) {
      throw new DeviceLinkError('no_matching_link', 'the link is not pending (expired or used)');
    }
    if (!constantTimeEqual(await tagOf(await qrTagKey(secret.secret), link), link.qrTag)) {
      throw new DeviceLinkError('tag_mismatch', 'the link was changed after the device made it');
    }
    return { link, keys: await codeKeys(await codeOfLinkSecret(secret.secret), userId) };
  }
  const keys = await codeKeys(secret.code, userId);
  for (const link of links) {
    if (constantTimeEqual(await tagOf(keys.tagKey, link), link.codeTag)) return { link, keys };
  }
  throw new DeviceLinkError('no_matching_link', 'no pending device link matches the code');
}

/**
 * The approving device's side: finds the link the code or QR payload belongs to among the
 * user's pending links and seals the user secrets to it.
 */
export async function approveDeviceLink(
  secret: DeviceLinkSecret,
  links: readonly PendingDeviceLink[],
  approver: { readonly organizationId: string; readonly userId: string },
  secrets: UserSecrets,
): Promise<DeviceLinkApproval> {
  const { link, keys } = await findLink(secret, links, approver.userId);
  const party: DeviceLinkParty = { ...approver, deviceId: link.deviceId };
  const suite = linkSuite();
  let recipientPublicKey: KemKey;
  try {
    recipientPublicKey = await suite.kem.deserializePublicKey(ownBuffer(link.publicKey));
  } catch (error) {
    throw new DeviceLinkError('invalid_public_key', 'the new device sent no X-Wing key', {
      cause: error,
    });
  }
  const { enc, ct } = await suite.seal(
    { recipientPublicKey, info: sealInfo(link.id, party) },
    encodeUserSecrets(secrets),
  );
  const sealedSecrets = new ByteWriter()
    .lengthPrefixed(new Uint8Array(enc))
    .lengthPrefixed(new Uint8Array(ct))
    .toBytes();
  const device: LinkedDevice = {
    userId: approver.userId,
    deviceId: link.deviceId,
    publicKey: link.publicKey,
  };
  return {
    linkId: link.id,
    deviceId: link.deviceId,
    sealedSecrets,
    confirmation: await linkConfirmation(keys.confirmationKey, link.id, device, sealedSecrets),
  };
}
