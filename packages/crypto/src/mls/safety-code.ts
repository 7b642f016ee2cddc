import { ByteWriter, concatBytes, utf8 } from './bytes.js';
import { isValidIdentityPublicKey } from './identity-key.js';
import { uuidToBytes } from './uuid.js';

/*
 * The safety code two users compare in person (or read to each other over a trusted channel) to
 * confirm they have pinned each other's real identity key. Modelled on Signal's numeric
 * fingerprint:
 *
 *   for each party:  h0 = "amtsbote safety code v1" || 0x00 || lp(userId) || lp(identityPublicKey)
 *                    h(i+1) = SHA-512(h(i) || identityPublicKey), 5200 times
 *                    half = the first 30 bytes of the last h, read as six 5-byte big-endian
 *                           numbers, each mod 100000 and written as 5 digits
 *   code = the two 30-digit halves in ascending order: 12 groups of 5 digits.
 *
 * Sorting makes the code the same on both sides. The user id is hashed with the key so that one
 * key shown under another user's name yields a different code. The iterations make a search for
 * a key whose half matches a given one 5200 times dearer; a half carries about 99 bits.
 */

export const SAFETY_CODE_LABEL = 'amtsbote safety code v1';
export const SAFETY_CODE_ITERATIONS = 5200;
const HALF_BYTES = 30;
const CHUNK_BYTES = 5;
const CHUNK_MODULUS = 100_000n;

export interface SafetyCodeParty {
  readonly userId: string;
  readonly identityPublicKey: Uint8Array;
}

export class SafetyCodeError extends Error {
  readonly code = 'invalid_safety_code_input';
}

async function sha512(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-512', data));
}

async function half(party: SafetyCodeParty): Promise<string> {
  const userId = uuidToBytes(party.userId);
  if (userId === null) throw new SafetyCodeError('userId is not a UUID');
  if (!isValidIdentityPublicKey(party.identityPublicKey)) {
    throw new SafetyCodeError('invalid identity public key');
  }
  const key = party.identityPublicKey;
  let hash = new ByteWriter()
    .raw(utf8(SAFETY_CODE_LABEL))
    .u8(0)
    .lengthPrefixed(userId)
    .lengthPrefixed(key)
    .toBytes();
  for (let i = 0; i < SAFETY_CODE_ITERATIONS; i++) hash = await sha512(concatBytes(hash, key));
  let digits = '';
  for (let offset = 0; offset < HALF_BYTES; offset += CHUNK_BYTES) {
    let value = 0n;
    for (const byte of hash.subarray(offset, offset + CHUNK_BYTES)) {
      value = (value << 8n) | BigInt(byte);
    }
    digits += (value % CHUNK_MODULUS).toString().padStart(5, '0');
  }
  return digits;
}

/** 12 groups of 5 digits separated by spaces; the same for both parties. */
export async function computeSafetyCode(a: SafetyCodeParty, b: SafetyCodeParty): Promise<string> {
  const halves = (await Promise.all([half(a), half(b)])).sort();
  return (halves.join('').match(/\d{5}/g) ?? []).join(' ');
}
