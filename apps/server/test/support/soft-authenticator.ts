import { webcrypto } from 'node:crypto';
import { base64urlDecode, base64urlEncode } from '@amtsbote/crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { z } from 'zod';

/*
 * A software WebAuthn authenticator for tests: one ES256 (P-256) credential, attestation "none".
 * It builds the authenticator data, attestation object and assertion signature as a platform
 * authenticator would (WebAuthn Level 3, sections 6.1, 6.5 and 8.7), so the server's real
 * verification runs without a browser. Tampering options produce the responses an attacker or a
 * broken client would send.
 */

const FLAG_USER_PRESENT = 0x01;
const FLAG_USER_VERIFIED = 0x04;
const FLAG_ATTESTED_CREDENTIAL_DATA = 0x40;
const AAGUID_ZERO = new Uint8Array(16);
const CREDENTIAL_ID_BYTES = 32;
const P256_COORDINATE_BYTES = 32;

/* COSE_Key labels and values (RFC 9052/9053) for an EC2 P-256 key used with ES256. */
const COSE_KTY = 1;
const COSE_ALG = 3;
const COSE_EC2_CRV = -1;
const COSE_EC2_X = -2;
const COSE_EC2_Y = -3;
const COSE_KTY_EC2 = 2;
const COSE_ALG_ES256 = -7;
const COSE_CRV_P256 = 1;

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** Only the parts of the server's options an authenticator reads. */
const creationOptionsSchema = z.object({
  challenge: z.string().min(1),
  rp: z.object({ id: z.string().min(1) }),
  user: z.object({ id: z.string().min(1) }),
});
const requestOptionsSchema = z.object({
  challenge: z.string().min(1),
  rpId: z.string().min(1),
});

/** Ways to spoil a response; each field replaces what an honest authenticator would send. */
export interface Tampering {
  /** The origin the "browser" reports in clientDataJSON. */
  readonly origin?: string;
  /** The relying party id whose hash goes into the authenticator data. */
  readonly rpId?: string;
  /** false: the user verification (UV) flag is not set. */
  readonly isUserVerified?: boolean;
  /** Sign with this other authenticator's private key while presenting our credential id. */
  readonly signWith?: SoftAuthenticator;
  /** The signature counter to report instead of the next one (e.g. a replayed value). */
  readonly signCount?: number;
  /** The user handle to report instead of the one stored at registration. */
  readonly userHandle?: string;
}

export class SoftAuthenticator {
  readonly #keyPair: webcrypto.CryptoKeyPair;
  readonly #credentialId: Uint8Array<ArrayBuffer>;
  readonly #origin: string;
  #userHandle: string | null = null;
  #signCount = 0;

  private constructor(
    keyPair: webcrypto.CryptoKeyPair,
    credentialId: Uint8Array<ArrayBuffer>,
    origin: string,
  ) {
    this.#keyPair = keyPair;
    this.#credentialId = credentialId;
    this.#origin = origin;
  }

  /** A fresh authenticator for pages served from `origin`. */
  static async create(origin: string): Promise<SoftAuthenticator> {
    const keyPair = await webcrypto.subtle.generateKey(ECDSA_P256, false, ['sign', 'verify']);
    const credentialId = webcrypto.getRandomValues(new Uint8Array(CREDENTIAL_ID_BYTES));
    return new SoftAuthenticator(keyPair, credentialId, origin);
  }

  /** The credential id, base64url as it appears in responses. */
  get credentialId(): string {
    return base64urlEncode(this.#credentialId);
  }

  /** The signature counter of the last response. */
  get signCount(): number {
    return this.#signCount;
  }

  /** navigator.credentials.create(): answers PublicKeyCredentialCreationOptionsJSON. */
  async register(options: unknown, tampering: Tampering = {}): Promise<RegistrationResponseJSON> {
    const parsed = creationOptionsSchema.parse(options);
    this.#userHandle = parsed.user.id;
    const authenticatorData = concat(
      await this.#authenticatorDataHeader(
        tampering.rpId ?? parsed.rp.id,
        FLAG_ATTESTED_CREDENTIAL_DATA | userFlags(tampering),
        tampering.signCount ?? this.#signCount,
      ),
      AAGUID_ZERO,
      uint16(this.#credentialId.length),
      this.#credentialId,
      await this.#coseKey(),
    );
    const noStatement = new Map<string, string>();
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ['fmt', 'none'],
        ['attStmt', noStatement],
        ['authData', authenticatorData],
      ]),
    );
    const id = this.credentialId;
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: this.#clientDataJSON('webauthn.create', parsed.challenge, tampering),
        attestationObject: base64urlEncode(attestationObject),
        transports: ['internal'],
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }

  /** navigator.credentials.get(): answers PublicKeyCredentialRequestOptionsJSON. */
  async authenticate(
    options: unknown,
    tampering: Tampering = {},
  ): Promise<AuthenticationResponseJSON> {
    const parsed = requestOptionsSchema.parse(options);
    if (this.#userHandle === null) throw new Error('the authenticator holds no credential yet');
    this.#signCount += 1;
    const authenticatorData = await this.#authenticatorDataHeader(
      tampering.rpId ?? parsed.rpId,
      userFlags(tampering),
      tampering.signCount ?? this.#signCount,
    );
    const clientDataJSON = this.#clientDataJSON('webauthn.get', parsed.challenge, tampering);
    const clientDataHash = await sha256(base64urlDecode(clientDataJSON));
    const signer = tampering.signWith ?? this;
    const rawSignature = new Uint8Array(
      await webcrypto.subtle.sign(
        ECDSA_SHA256,
        signer.#keyPair.privateKey,
        concat(authenticatorData, clientDataHash),
      ),
    );
    const id = this.credentialId;
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON,
        authenticatorData: base64urlEncode(authenticatorData),
        signature: base64urlEncode(rawEcdsaSignatureToDer(rawSignature)),
        userHandle: tampering.userHandle ?? this.#userHandle,
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    };
  }

  #clientDataJSON(
    type: 'webauthn.create' | 'webauthn.get',
    challenge: string,
    tampering: Tampering,
  ): string {
    const clientData = {
      type,
      challenge,
      origin: tampering.origin ?? this.#origin,
      crossOrigin: false,
    };
    return base64urlEncode(new TextEncoder().encode(JSON.stringify(clientData)));
  }

  /** rpIdHash (32) | flags (1) | signCount (4, big-endian). */
  async #authenticatorDataHeader(
    rpId: string,
    flags: number,
    signCount: number,
  ): Promise<Uint8Array<ArrayBuffer>> {
    const header = new Uint8Array(37);
    header.set(await sha256(new TextEncoder().encode(rpId)), 0);
    header[32] = flags;
    new DataView(header.buffer).setUint32(33, signCount);
    return header;
  }

  async #coseKey(): Promise<Uint8Array> {
    // Raw export of a P-256 public key is the uncompressed point 0x04 | x | y.
    const point = new Uint8Array(await webcrypto.subtle.exportKey('raw', this.#keyPair.publicKey));
    return isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [COSE_KTY, COSE_KTY_EC2],
        [COSE_ALG, COSE_ALG_ES256],
        [COSE_EC2_CRV, COSE_CRV_P256],
        [COSE_EC2_X, point.slice(1, 1 + P256_COORDINATE_BYTES)],
        [COSE_EC2_Y, point.slice(1 + P256_COORDINATE_BYTES)],
      ]),
    );
  }
}

function userFlags(tampering: Tampering): number {
  return FLAG_USER_PRESENT | (tampering.isUserVerified === false ? 0 : FLAG_USER_VERIFIED);
}

async function sha256(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await webcrypto.subtle.digest('SHA-256', data));
}

function uint16(value: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(2);
  new DataView(bytes.buffer).setUint16(0, value);
  return bytes;
}

function concat(...parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * WebCrypto gives ECDSA signatures as r | s (IEEE P1363); WebAuthn carries them as the ASN.1 DER
 * SEQUENCE { INTEGER r, INTEGER s }. Integers are minimal and positive: leading zero bytes are
 * dropped, and one is added back when the top bit is set.
 */
export function rawEcdsaSignatureToDer(raw: Uint8Array): Uint8Array {
  if (raw.length % 2 !== 0) throw new Error('a raw ECDSA signature has two equal halves');
  const half = raw.length / 2;
  const derInteger = (bytes: Uint8Array): Uint8Array => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
    const trimmed = bytes.subarray(start);
    const body = (trimmed[0] ?? 0) >= 0x80 ? concat(new Uint8Array([0]), trimmed) : trimmed;
    return concat(new Uint8Array([0x02, body.length]), body);
  };
  const sequence = concat(derInteger(raw.subarray(0, half)), derInteger(raw.subarray(half)));
  if (sequence.length >= 0x80) throw new Error('the signature is too long for short-form DER');
  return concat(new Uint8Array([0x30, sequence.length]), sequence);
}
