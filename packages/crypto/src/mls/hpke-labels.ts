import { concatBytes } from './bytes.js';
import type { HashFunctions } from './native-primitives.js';

/* RFC 9180 section 4: the labelled key derivation every HPKE step goes through. */

/** RFC 9180 LabeledExtract and LabeledExpand under one suite id. */
export interface Labelled {
  extract(salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array;
  expand(prk: Uint8Array, label: string, info: Uint8Array, length: number): Uint8Array;
}

const HPKE_VERSION_LABEL = new TextEncoder().encode('HPKE-v1');

export function labelled(hash: HashFunctions, suiteId: Uint8Array): Labelled {
  const encoder = new TextEncoder();
  const prefix = concatBytes(HPKE_VERSION_LABEL, suiteId);
  return {
    extract: (salt, label, ikm) =>
      hash.hkdfExtract(salt, concatBytes(prefix, encoder.encode(label), ikm)),
    expand: (prk, label, info, length) =>
      hash.hkdfExpand(
        prk,
        concatBytes(Uint8Array.of(length >> 8, length & 0xff), prefix, encoder.encode(label), info),
        length,
      ),
  };
}

export function u16(value: number): Uint8Array {
  return Uint8Array.of(value >> 8, value & 0xff);
}
