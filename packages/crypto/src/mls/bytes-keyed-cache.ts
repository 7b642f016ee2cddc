import { constantTimeEqual } from '../constant-time.js';

/*
 * Values derived from key or credential bytes (an imported key object, a decoded credential),
 * kept per bytes object: deriving costs about as much as the operation that needs the value.
 * A WeakMap, so entries go with the group state that holds the bytes; each hit checks that the
 * bytes are unchanged since the value was derived.
 */
export class BytesKeyedCache<V> {
  private readonly cache = new WeakMap<
    Uint8Array,
    { readonly bytes: Uint8Array; readonly value: V }
  >();

  get(bytes: Uint8Array, derive: () => V): V {
    const hit = this.cache.get(bytes);
    if (hit !== undefined && constantTimeEqual(hit.bytes, bytes)) return hit.value;
    const value = derive();
    this.cache.set(bytes, { bytes: bytes.slice(), value });
    return value;
  }

  forget(bytes: Uint8Array): void {
    this.cache.delete(bytes);
  }
}
